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

// A form's text box with a length limit (the maxlength the forms render: textareas, and one-line
// fields of 100 characters or more that are not a sign-in name) shows how much of it is used,
// "N/M", red near the limit.
const COUNTED = ".field textarea[maxlength], .field input[type='text'][maxlength]:not([autocomplete])";
const NEAR_LIMIT = 0.9;

function showCount(field) {
  const counter = field.charCounter;
  const used = field.value.length;
  counter.textContent = `${used}/${field.maxLength}`;
  counter.classList.toggle("near-limit", used >= field.maxLength * NEAR_LIMIT);
}

document.querySelectorAll(COUNTED).forEach((field) => {
  if (field.tagName !== "TEXTAREA" && field.maxLength < 100) {
    return;
  }
  const counter = document.createElement("small");
  counter.className = "char-count";
  counter.id = `${field.id || field.name}-count`;
  counter.setAttribute("aria-live", "polite");
  field.charCounter = counter;
  field.insertAdjacentElement("afterend", counter);
  field.setAttribute("aria-describedby", [field.getAttribute("aria-describedby"), counter.id].filter(Boolean).join(" "));
  showCount(field);
});

document.addEventListener("input", (event) => {
  if (event.target instanceof HTMLElement && event.target.charCounter) {
    showCount(event.target);
  }
});

// The action a person just tried and was refused (the ticket page, data-refused): its panel is
// open with the reason in it; bring it into view and put the cursor on what to correct.
const refused = document.querySelector("[data-refused]");
if (refused) {
  refused.scrollIntoView({ block: "start" });
  const target = refused.querySelector(".has-error input, .has-error textarea, .has-error select") || refused.querySelector("[role='alert']");
  if (target) {
    if (!target.matches("input, textarea, select")) {
      target.setAttribute("tabindex", "-1");
    }
    target.focus({ preventScroll: true });
  }
}
