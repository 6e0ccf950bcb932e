// Progressive enhancement for public pages: everything works without this script.

import { setupPhoneCode } from "./phone-code.ts";

function setupReadAloud(): void {
  const button = document.querySelector<HTMLButtonElement>("[data-read-aloud]");
  if (!button || !("speechSynthesis" in window)) return;
  button.hidden = false;
  button.addEventListener("click", () => {
    if (window.speechSynthesis.speaking) {
      window.speechSynthesis.cancel();
      button.textContent = "朗读正文";
      return;
    }
    const target = document.querySelector<HTMLElement>(button.dataset.readAloud ?? "#main");
    const text = target?.innerText.trim();
    if (!text) return;
    const utterance = new SpeechSynthesisUtterance(text.slice(0, 5000));
    utterance.lang = "zh-CN";
    utterance.rate = document.documentElement.classList.contains("elder") ? 0.85 : 1;
    utterance.onend = () => (button.textContent = "朗读正文");
    button.textContent = "停止朗读";
    window.speechSynthesis.speak(utterance);
  });
}

document.addEventListener("DOMContentLoaded", () => {
  setupReadAloud();
  setupPhoneCode();
});
