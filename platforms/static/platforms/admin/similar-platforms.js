// The similar-platforms warning on the platform form: refreshed when the name or summary is left.
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
      var link = document.createElement("a");
      link.href = item.url;
      var strong = document.createElement("strong");
      strong.textContent = item.name;
      link.appendChild(strong);
      li.appendChild(link);
      li.appendChild(document.createTextNode(" (" + item.owner + ", " + item.phase));
      if (item.replaced_by) {
        li.appendChild(document.createTextNode(": replaced by "));
        var replacement = document.createElement("a");
        replacement.href = item.replaced_by.url;
        replacement.textContent = item.replaced_by.name;
        li.appendChild(replacement);
      } else if (item.retired) {
        li.appendChild(document.createTextNode(": no replacement named"));
      }
      var detail = ")";
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
