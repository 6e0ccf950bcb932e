// The phone-code step (web/components/phone-code.tsx), enhanced: the code is asked for in place
// (no reload, the page keeps its position and everything typed), and a countdown shows when a new
// code may be asked for. Without this script the button posts the form to `…#phone-code`.

const STEP = "[data-phone-code-step]";

/** Counts `[data-resend-in]` down, keeping the code button disabled until a new code may be asked for. */
function startCountdown(step: HTMLElement): void {
  const wait = step.querySelector<HTMLElement>("[data-resend-in]");
  const button = step.querySelector<HTMLButtonElement>("[data-phone-code]");
  if (!wait || !button) return;
  let left = Number(wait.dataset.resendIn) || 0;
  const tick = () => {
    if (left <= 0) {
      button.disabled = false;
      wait.hidden = true;
      return;
    }
    button.disabled = true;
    wait.textContent = `${left}秒后可重新获取`;
    left--;
    window.setTimeout(tick, 1000);
  };
  tick();
}

/** The form's fields for the code request (files left out: they are not needed to send a code). */
function codeRequestBody(form: HTMLFormElement, button: HTMLButtonElement): FormData | URLSearchParams {
  const data = new FormData(form);
  data.set(button.name, button.value);
  for (const input of Array.from(form.querySelectorAll<HTMLInputElement>("input[type=file]")))
    if (input.name) data.delete(input.name);
  if (form.getAttribute("enctype") === "multipart/form-data") return data;
  const body = new URLSearchParams();
  data.forEach((value, key) => {
    if (typeof value === "string") body.append(key, value);
  });
  return body;
}

async function requestInPlace(step: HTMLElement, button: HTMLButtonElement): Promise<void> {
  const form = button.form;
  if (!form) return;
  button.disabled = true;
  try {
    // form.action would be the form's field named "action"; the attributes say where it posts.
    const target = button.getAttribute("formaction") ?? form.getAttribute("action") ?? location.href;
    const response = await fetch(target.split("#")[0], {
      method: "POST",
      body: codeRequestBody(form, button),
      credentials: "same-origin",
    });
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = page.querySelector<HTMLElement>(STEP);
    if (!fresh) throw new Error("no phone-code step in the answer");
    const next = document.importNode(fresh, true);
    step.replaceWith(next);
    setup(next);
    const focus =
      next.querySelector<HTMLElement>(".has-error input") ?? next.querySelector<HTMLElement>("#code");
    focus?.focus();
  } catch {
    // Anything unexpected: fall back to the plain form post (which comes back to this step).
    button.disabled = false;
    form.requestSubmit(button);
  }
}

function setup(step: HTMLElement): void {
  const button = step.querySelector<HTMLButtonElement>("[data-phone-code]");
  if (!button) return;
  button.addEventListener("click", (event) => {
    event.preventDefault();
    void requestInPlace(step, button);
  });
  startCountdown(step);
}

export function setupPhoneCode(): void {
  for (const step of Array.from(document.querySelectorAll<HTMLElement>(STEP))) setup(step);
}
