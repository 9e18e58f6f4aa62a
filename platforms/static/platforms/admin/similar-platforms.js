// The admin's platform form: refresh "Similar platforms already in the catalogue" from the admin's
// similar/ endpoint when the name or summary loses focus. A file, not an inline script, so that the
// page passes the site's Content-Security-Policy (script-src 'self').
(function () {
  "use strict";
  var panel = document.getElementById("similar-platforms");
  var name = document.getElementById("id_name");
  var summary = document.getElementById("id_summary");
  if (!panel || !name) { return; }

  function render(results) {
    var list = panel.querySelector("ul");
    list.replaceChildren();
    results.forEach(function (item) {
      // textContent only: names and reasons are data, never markup.
      var li = document.createElement("li");
      li.className = "warning";
      var strong = document.createElement("strong");
      strong.textContent = item.name;
      li.appendChild(strong);
      var detail = " (" + item.owner + ", " + item.phase + ")";
      if (item.reasons.length) { detail += ": " + item.reasons.join("; "); }
      li.appendChild(document.createTextNode(detail));
      list.appendChild(li);
    });
    panel.hidden = results.length === 0;
  }

  function refresh() {
    var params = new URLSearchParams({
      name: name.value,
      summary: summary ? summary.value : "",
      exclude: panel.dataset.exclude || ""
    });
    if (!params.get("name").trim() && !params.get("summary").trim()) { return; }
    fetch(panel.dataset.url + "?" + params.toString(), {credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.json() : {results: []}; })
      .then(function (data) { render(data.results); })
      .catch(function () { /* a warning only: leave the panel as it was */ });
  }

  name.addEventListener("blur", refresh);
  if (summary) { summary.addEventListener("blur", refresh); }
})();
