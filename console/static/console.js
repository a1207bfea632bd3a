// The console's one script (no framework, nothing from a CDN).
//
// Self-refreshing fragments: <div data-refresh="/tickets/urgent" data-every="30">…</div>
// fetches the URL's HTML every N seconds (default 30) and puts it in place of the element's
// content. A fragment answered with a redirect to /login (the login ended) reloads the page.
//
// Forms marked data-autosubmit are submitted as soon as the page loads (the login page).
(function () {
  "use strict";

  function refresh(element) {
    var url = element.getAttribute("data-refresh");
    fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        if (response.redirected && new URL(response.url).pathname === "/login") {
          window.location.reload();
          return null;
        }
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (html !== null) {
          element.innerHTML = html;
        }
      })
      .catch(function () { /* try again at the next tick */ });
  }

  function start() {
    document.querySelectorAll("[data-refresh]").forEach(function (element) {
      var seconds = parseInt(element.getAttribute("data-every") || "30", 10);
      window.setInterval(function () { refresh(element); }, Math.max(seconds, 2) * 1000);
    });
    document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
      form.submit();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
