// The 群发 desk's live preview: while the text is typed, the three sample groups' texts are
// fetched again (POST /broadcasts/preview with the session's X-CSRF-Token) and shown. Without
// this script the form's 预览 button does the same with a whole page.
(function () {
  "use strict";

  function start() {
    var form = document.getElementById("compose");
    var target = document.getElementById("desk-preview");
    if (!form || !target) {
      return;
    }
    var timer = null;
    function update() {
      var data = new URLSearchParams();
      ["node_id", "text"].forEach(function (name) {
        data.append(name, form.elements[name].value);
      });
      fetch(target.getAttribute("data-preview"), {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "X-CSRF-Token": form.elements["_csrf"].value,
          "X-Requested-With": "fetch",
        },
        body: data,
      })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) { if (html !== null) { target.innerHTML = html; } })
        .catch(function () { /* the 预览 button still works */ });
    }
    form.elements["text"].addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(update, 600);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
