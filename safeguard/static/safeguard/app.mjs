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
