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

// Rewording exercises: keep an unsent draft in this browser, so closing the tab
// or losing the connection does not lose what was typed. Sent drafts are cleared.
for (const form of document.querySelectorAll("form[data-draft]")) {
  const key = `courseapp-draft-${form.dataset.draft}`;
  const textarea = form.querySelector("textarea");
  if (!textarea) continue;
  const draft = window.localStorage.getItem(key);
  if (draft && draft !== textarea.value) {
    textarea.value = draft;
    const note = document.createElement("p");
    note.className = "govuk-body-s";
    note.textContent = "We have put back the words you had not yet sent.";
    textarea.closest(".govuk-form-group")?.prepend(note);
  }
  textarea.addEventListener("input", () => window.localStorage.setItem(key, textarea.value));
  form.addEventListener("submit", () => window.localStorage.removeItem(key));
}
