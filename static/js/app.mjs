// Progressive enhancement only: every page works without this script.
import { initAll } from "../dist/govuk-frontend.min.js";

initAll();

// Test pages: save each answer as soon as it is given, so nothing is lost if the
// tab is closed. Without JavaScript, answers are saved with each page.
for (const form of document.querySelectorAll("form[data-autosave]")) {
  const status = form.querySelector(".app-autosave-status");
  let timer;
  form.addEventListener("change", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      let saved = false;
      try {
        // getAttribute, not form.action: the submit buttons are named "action", and a
        // named control shadows the form's own property.
        const response = await fetch(form.getAttribute("action"), {
          method: "POST",
          body: new FormData(form),
          headers: { "X-Autosave": "1" },
          credentials: "same-origin",
          redirect: "manual",
        });
        saved = response.status === 204;
      } catch {
        saved = false;
      }
      if (status) {
        status.textContent = saved
          ? "Your answers have been saved."
          : "Your answers could not be saved just now. Use Save and continue to save them.";
      }
    }, 250);
  });
}
