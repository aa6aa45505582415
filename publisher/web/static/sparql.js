/* The SPARQL query page, enhanced: Ctrl+Enter runs the query, a button adds the PREFIX lines a query
   uses but does not declare, long queries are sent by POST, and a syntax error puts the cursor where the
   parser stopped. Without JavaScript the page is a plain form. No external code is loaded. */
(function () {
  "use strict";
  var form = document.getElementById("sparql-form");
  var area = document.getElementById("sparql-query");
  var data = document.getElementById("sparql-data");
  if (!form || !area) { return; }
  var prefixes = {};
  try { prefixes = JSON.parse(data ? data.textContent : "{}").prefixes || {}; } catch (e) { prefixes = {}; }
  var MAX_GET = 1800;

  function missingPrefixes(text) {
    var declared = {};
    var decl = /PREFIX\s+([A-Za-z][\w.-]*)?:/gi, m;
    while ((m = decl.exec(text)) !== null) { declared[m[1] || ""] = true; }
    // Strip IRIs, strings and comments before looking for prefixed names.
    var bare = text.replace(/<[^<>\s]*>/g, " ").replace(/"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/g, " ")
                   .replace(/#[^\n]*/g, " ");
    var used = /(^|[\s(){}\[\].,;^\/|!=<>+*-])([A-Za-z][\w-]*):/g, out = [];
    while ((m = used.exec(bare)) !== null) {
      var p = m[2];
      if (prefixes[p] && !declared[p] && out.indexOf(p) < 0) { out.push(p); }
    }
    return out;
  }

  var button = document.getElementById("sparql-add-prefixes");
  if (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var add = missingPrefixes(area.value);
      if (!add.length) { return; }
      area.value = add.map(function (p) { return "PREFIX " + p + ": <" + prefixes[p] + ">"; }).join("\n")
        + "\n" + area.value;
      area.focus();
    });
  }
  var hint = document.getElementById("sparql-shortcut");
  if (hint) { hint.hidden = false; }

  area.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
    }
  });

  form.addEventListener("submit", function () {
    if (encodeURIComponent(area.value).length > MAX_GET) { form.method = "post"; }
  });

  var line = parseInt(area.getAttribute("data-line"), 10);
  var column = parseInt(area.getAttribute("data-column"), 10);
  if (line > 0 && column > 0) {
    var lines = area.value.split("\n"), offset = 0;
    for (var i = 0; i < line - 1 && i < lines.length; i++) { offset += lines[i].length + 1; }
    offset = Math.min(offset + column - 1, area.value.length);
    area.focus();
    area.setSelectionRange(offset, Math.min(offset + 1, area.value.length));
  }
})();
