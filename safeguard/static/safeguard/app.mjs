// Progressive enhancement only: every page works without this script.
import { initAll } from "../govuk/govuk-frontend.min.js";
import { initAll as initMoj } from "../moj/moj-frontend.min.js";

initAll();
initMoj();

// A long list of councils (a plain <select> without JavaScript) becomes an accessible
// autocomplete where the page loads accessible-autocomplete.
if (window.accessibleAutocomplete) {
  for (const select of document.querySelectorAll('select[data-module="app-autocomplete"]')) {
    window.accessibleAutocomplete.enhanceSelectElement({
      selectElement: select,
      defaultValue: "",
      showAllValues: true,
    });
  }
}

// GOV.UK conditional reveals under radios (the Design System's pattern, its classes and
// markup), without the aria-expanded that GOV.UK Frontend sets on radios: ARIA does not allow
// it there. Without JavaScript every revealed question shows.
for (const group of document.querySelectorAll('[data-module="app-radios-reveal"]')) {
  const inputs = [...group.querySelectorAll('input[type="radio"]')];
  const sync = () => {
    for (const input of inputs) {
      const target = input.getAttribute("aria-controls");
      const panel = target && document.getElementById(target);
      if (panel) panel.classList.toggle("govuk-radios__conditional--hidden", !input.checked);
    }
  };
  for (const input of inputs) input.addEventListener("change", sync);
  sync();
}
