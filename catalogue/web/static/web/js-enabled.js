// GOV.UK Frontend's feature detection, from a file so that the Content-Security-Policy needs no
// 'unsafe-inline': loaded at the start of <body>, before anything is drawn. Browsers that cannot
// run ES modules keep the plain HTML, which works without JavaScript.
document.body.classList.add("js-enabled");
if ("noModule" in HTMLScriptElement.prototype) {
  document.body.classList.add("govuk-frontend-supported");
}
