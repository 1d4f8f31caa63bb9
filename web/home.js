// The home page: where each kind of user goes, and the ceremonies with their times.
import { apiAll, el, header, replace, formatTime, info, table, STATE_WORDS } from "./common.js";

header();
const list = document.querySelector("#ceremonies");
const { timezone } = await info();
const reply = await apiAll("/api/ceremonies", "ceremonies", { limit: 1000 });
if (!reply.ok || reply.data.ceremonies.length === 0) {
  replace(list, el("p", { class: "note" }, "Belum ada upacara."));
} else {
  // Today's and coming ceremonies first: the link an official looks for is the open one.
  const rank = { open: 0, draft: 1, closed: 2 };
  const ceremonies = [...reply.data.ceremonies].sort((a, b) => (rank[a.state] ?? 3) - (rank[b.state] ?? 3)
    || (a.state === "closed" ? new Date(b.starts_at) - new Date(a.starts_at) : new Date(a.starts_at) - new Date(b.starts_at)));
  replace(list, table(["Upacara", "Waktu", "Status", ""], ceremonies.map((c) => el("tr", {},
    el("td", {}, c.title, el("br"), el("span", { class: "note" }, c.place)),
    el("td", {}, formatTime(c.starts_at, timezone)),
    el("td", {}, STATE_WORDS[c.state] || c.state),
    el("td", {}, c.state === "draft" ? "" : el("a", { href: `/tanda-tangan.html?upacara=${c.id}` }, c.state === "open" ? "Tanda tangani" : "Ikrar mandiri")),
  ))));
}
