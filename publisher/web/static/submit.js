// Suggestions for the partner fields of /submit: names of organisations in the bank, fetched from this
// site as a person types (the form works without this: an exact name is found on the server).
(function () {
  "use strict";
  document.querySelectorAll("input[data-suggest]").forEach(function (input) {
    var list = document.getElementById(input.getAttribute("list"));
    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var text = input.value.trim();
      if (text.length < 2 || !list) { return; }
      timer = setTimeout(function () {
        var url = new URL(input.dataset.suggest, window.location.href);   // may carry ?lang= already
        url.searchParams.set("q", text);
        fetch(url, {headers: {"Accept": "application/json"}})
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (names) {
            list.replaceChildren.apply(list, names.map(function (name) {
              var option = document.createElement("option");
              option.value = name;
              return option;
            }));
          })
          .catch(function () {});
      }, 200);
    });
  });
}());
