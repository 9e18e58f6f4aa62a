// Starts GOV.UK Frontend's components. The module's address comes from a data attribute, so that
// it is the hashed static file name in production (an `import` written here would not be).
const script = document.querySelector("script[data-govuk-frontend]");
if (script && document.body.classList.contains("govuk-frontend-supported")) {
  import(script.dataset.govukFrontend).then((govuk) => govuk.initAll());
}
