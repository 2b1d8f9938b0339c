// The entry editor's live preview: as staff type, the server renders the bot's message
// with the bot's own renderer (POST …/preview) and the phone box shows it.
(function () {
  "use strict";
  var form = document.querySelector("form[data-preview]");
  var box = document.getElementById("preview");
  if (!form || !box) { return; }
  var timer = null;
  var asked = 0;
  function refresh() {
    var mine = ++asked;
    fetch(form.getAttribute("data-preview"), {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { "X-CSRF-Token": form.elements.csrf.value }
    }).then(function (response) {
      return response.ok ? response.text() : Promise.reject(response.status);
    }).then(function (html) {
      if (mine === asked) { box.innerHTML = html; box.setAttribute("data-shown", String(mine)); }
    }).catch(function () { /* the last preview stays; Save still checks everything */ });
  }
  function later() { clearTimeout(timer); timer = setTimeout(refresh, 250); }
  form.addEventListener("input", later);
  form.addEventListener("change", later);
}());
