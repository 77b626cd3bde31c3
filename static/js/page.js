// What every page runs: the menu button on phones, and keyboard access to wide tables.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // On a phone the menu is one line with this button; the stylesheet hides the menu
  // until the button opens it. On a desktop the button is hidden and the menu shown.
  const button = document.querySelector(".menu-button");
  const menu = document.getElementById("menu");
  if (button && menu) {
    button.addEventListener("click", () => {
      const open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", String(open));
      menu.classList.toggle("open", open);
    });
  }
  // A table wider than the screen scrolls sideways: it takes the keyboard focus so that
  // the arrow keys scroll it too.
  for (const wrap of document.querySelectorAll(".table-wrap")) {
    if (wrap.scrollWidth > wrap.clientWidth && !wrap.hasAttribute("tabindex")) {
      wrap.setAttribute("tabindex", "0");
    }
  }
});
