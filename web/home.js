// The home page: where each kind of user goes, and the ceremonies with their times.
import { apiAll, el, header, replace, formatTime, info, STATE_WORDS } from "./common.js";

header();
const list = document.querySelector("#ceremonies");
const { timezone } = await info();
const reply = await apiAll("/api/ceremonies", "ceremonies", { limit: 1000 });
if (!reply.ok || reply.data.ceremonies.length === 0) {
  replace(list, el("p", { class: "note" }, "Belum ada upacara."));
} else {
  replace(list, el("table", {},
    el("thead", {}, el("tr", {}, el("th", {}, "Upacara"), el("th", {}, "Waktu"), el("th", {}, "Status"), el("th", {}, ""))),
    el("tbody", {}, reply.data.ceremonies.map((c) => el("tr", {},
      el("td", {}, c.title, el("br"), el("span", { class: "note" }, c.place)),
      el("td", {}, formatTime(c.starts_at, timezone)),
      el("td", {}, STATE_WORDS[c.state] || c.state),
      el("td", {}, c.state === "draft" ? "" : el("a", { href: `/tanda-tangan.html?upacara=${c.id}` }, c.state === "open" ? "Tanda tangani" : "Ikrar mandiri")),
    )))));
}
