// The pages' few behaviours, kept out of their HTML: the Content-Security-Policy
// (config/settings.py) runs no inline script or event-handler attribute.
"use strict";

// A select marked data-submit-on-change (the language switch) sends its form once chosen;
// without scripts its form keeps a button (<noscript>).
document.addEventListener("change", (event) => {
  const field = event.target;
  if (field instanceof HTMLSelectElement && field.hasAttribute("data-submit-on-change") && field.form) {
    field.form.submit();
  }
});

// A button marked data-print prints the page (the monthly bulletin).
document.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest("[data-print]") : null;
  if (button) {
    window.print();
  }
});
