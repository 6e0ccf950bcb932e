// Progressive enhancement for public pages: everything works without this script.

import { setupPhoneCode } from "./phone-code.ts";

const READ_FOCUS_KEY = "chuyun-read-focus";

function speak(text: string, onEnd?: () => void): void {
  window.speechSynthesis.cancel();
  const utterance = new SpeechSynthesisUtterance(text.slice(0, 5000));
  utterance.lang = "zh-CN";
  utterance.rate = document.documentElement.classList.contains("elder") ? 0.85 : 1;
  if (onEnd) utterance.onend = onEnd;
  window.speechSynthesis.speak(utterance);
}

/** 朗读正文: every read-aloud button reads its target (the main content) and stops on a second press. */
function setupReadAloud(): void {
  const buttons = document.querySelectorAll<HTMLButtonElement>("[data-read-aloud]");
  for (const button of buttons) {
    button.hidden = false;
    button.setAttribute("aria-pressed", "false");
    button.addEventListener("click", () => {
      const reset = () => {
        for (const b of buttons) {
          b.textContent = "朗读正文";
          b.setAttribute("aria-pressed", "false");
        }
      };
      if (window.speechSynthesis.speaking && button.getAttribute("aria-pressed") === "true") {
        window.speechSynthesis.cancel();
        reset();
        return;
      }
      const target = document.querySelector<HTMLElement>(button.dataset.readAloud ?? "#main");
      const text = target?.innerText.trim();
      if (!text) return;
      reset();
      button.textContent = "停止朗读";
      button.setAttribute("aria-pressed", "true");
      speak(text, reset);
    });
  }
}

/**
 * 指读 (elder mode): once switched on, whatever the keyboard focus or the pointer reaches (a link, a
 * button, a heading, a paragraph) is read out. The choice is remembered on this device.
 */
function setupReadFocus(): void {
  const button = document.querySelector<HTMLButtonElement>("[data-read-focus]");
  if (!button) return;
  let on = localStorage.getItem(READ_FOCUS_KEY) === "1";
  const show = () => {
    button.setAttribute("aria-pressed", on ? "true" : "false");
    button.textContent = on ? "关闭指读" : "指读";
  };
  button.hidden = false;
  show();
  button.addEventListener("click", () => {
    on = !on;
    localStorage.setItem(READ_FOCUS_KEY, on ? "1" : "0");
    show();
    if (on) speak("指读已开启");
    else window.speechSynthesis.cancel();
  });
  let last: Element | null = null;
  const read = (event: Event) => {
    if (!on) return;
    const target = (event.target as Element | null)?.closest?.(
      "a, button, summary, h1, h2, h3, label, p, li, td, th, dt, dd",
    );
    if (!target || target === last) return;
    last = target;
    const text = (target as HTMLElement).innerText?.trim() || target.getAttribute("aria-label") || "";
    if (text) speak(text);
  };
  document.addEventListener("focusin", read);
  document.addEventListener("mouseover", read);
}

document.addEventListener("DOMContentLoaded", () => {
  if (!("speechSynthesis" in window)) return;
  setupReadAloud();
  setupPhoneCode();
  setupReadFocus();
});
