// communique preview: shows the pages of the last good build and follows every rebuild.
// Only pages whose image changed are fetched again (their address names their content); the
// scroll position stays because the page elements are kept, never rebuilt.
"use strict";

const pages = document.getElementById("pages");
const status = document.getElementById("status");
const errorBox = document.getElementById("error");
const errorText = document.getElementById("error-text");
const warnings = document.getElementById("warnings");
const arrangement = document.getElementById("arrangement");

function arrange(sideBySide) {
  pages.className = sideBySide ? "row" : "column";
  arrangement.setAttribute("aria-pressed", String(sideBySide));
  arrangement.textContent = sideBySide ? "One under the other" : "Side by side";
  localStorage.setItem("communique-side-by-side", sideBySide ? "1" : "");
}
arrangement.addEventListener("click", () => arrange(pages.className !== "row"));
arrange(Boolean(localStorage.getItem("communique-side-by-side")));

function showPages(list) {
  list.forEach((page, index) => {
    let figure = pages.children[index];
    if (!figure) {
      figure = document.createElement("figure");
      figure.append(document.createElement("img"), document.createElement("figcaption"));
      pages.append(figure);
    }
    const [img, caption] = figure.children;
    if (img.getAttribute("src") !== page.src) {
      img.width = page.width;
      img.height = page.height;
      img.src = page.src;
    }
    img.alt = page.text.trim() || `page ${page.number}, no text`;
    img.dataset.page = String(page.number);
    caption.textContent = `${page.number} / ${list.length}`;
  });
  while (pages.children.length > list.length) pages.lastElementChild.remove();
}

function show(state) {
  document.getElementById("name").textContent = state.name || "communique preview";
  document.body.dataset.revision = String(state.revision);
  const pdf = document.getElementById("pdf");
  pdf.hidden = !state.pdf;
  if (state.pdf) pdf.href = state.pdf;
  if (state.error) {
    errorText.textContent = state.error;
    errorBox.hidden = false;
    document.body.classList.add("failed");
    status.textContent = "build failed";
    return;
  }
  errorBox.hidden = true;
  document.body.classList.remove("failed");
  warnings.replaceChildren(...state.warnings.map((text) => {
    const item = document.createElement("li");
    item.textContent = text;
    return item;
  }));
  warnings.hidden = state.warnings.length === 0;
  showPages(state.pages);
  if (state.revision > 0) status.textContent = `built (${state.pages.length} pages, build ${state.revision})`;
}

const events = new EventSource("/events");
events.onmessage = (event) => show(JSON.parse(event.data));
events.onerror = () => { status.textContent = "preview stopped or unreachable"; };
