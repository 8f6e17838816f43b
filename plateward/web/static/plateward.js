// Plateward's own few lines: show progress while a form's long work runs. Pages work without it.
"use strict";
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form.hasAttribute("data-busy")) return;
  var busy = form.querySelector(".busy") || (form.parentElement && form.parentElement.querySelector(".busy"));
  if (!busy) return;
  busy.classList.add("on");
  form.setAttribute("aria-busy", "true");
  // A download (an export) leaves the page where it is: stop showing progress once it has had time to start.
  window.setTimeout(function () { busy.classList.remove("on"); form.removeAttribute("aria-busy"); }, 8000);
});
