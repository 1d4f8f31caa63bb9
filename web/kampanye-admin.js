// Campaigns on the admin console (issue 10, part 2 and 4): create a campaign for a
// published pledge, see its ceremonies, pick it when creating a ceremony (the select in
// the ceremony form), and designate each OPD's head, who countersigns the unit's recap.
// Starts when admin.js has accepted the admin token. Every value from the server is
// inserted as text.
import { api, apiAll, el, errorText, replace, status } from "./common.js";

const campaignSelect = document.querySelector("#c-campaign");

async function loadCampaigns() {
  const reply = await api("/api/campaigns");
  const campaigns = reply.ok ? reply.data.campaigns : [];
  const chosen = campaignSelect.value;
  replace(campaignSelect, el("option", { value: "" }, "(tanpa kampanye)"),
    campaigns.map((c) => el("option", { value: c.id }, `${c.title} (nomor ${c.id})`)));
  if (chosen) campaignSelect.value = chosen;
  replace(document.querySelector("#campaign-list"), campaigns.length === 0
    ? el("p", { class: "note" }, "Belum ada kampanye.")
    : el("ul", { id: "campaigns" }, campaigns.map((c) => el("li", {},
      el("strong", {}, c.title), ` — pakta "${c.pledge.title}"; upacara: `,
      c.ceremonies.length === 0 ? "belum ada" : c.ceremonies.map((u) =>
        `${u.title} (nomor ${u.id}${u.excluded_already_signed ? `, ${u.excluded_already_signed} tidak diundang karena sudah menandatangani` : ""})`).join("; ")))));
  document.querySelector("#campaign-section").dataset.loaded = "yes";
}

async function loadPledges() {
  const pledges = (await apiAll("/api/pledges", "pledges", { limit: 20 })).data.pledges ?? [];
  replace(document.querySelector("#k-pledge"), pledges.map((p) => el("option", { value: p.id }, p.title)));
}

document.querySelector("#campaign-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const reply = await api("/api/campaigns", { method: "POST", auth: true, body: {
    title: document.querySelector("#k-title").value,
    pledge_id: Number(document.querySelector("#k-pledge").value),
  } });
  status("#campaign-result", reply.ok ? "ok" : "bad", reply.ok
    ? `Kampanye dibuat (nomor ${reply.data.id}). Pilih kampanye ini saat membuat upacaranya.`
    : errorText(reply));
  if (reply.ok) await loadCampaigns();
});

document.querySelector("#head-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const code = document.querySelector("#h-opd").value.trim();
  const reply = await api(`/api/opds/${encodeURIComponent(code)}/head`, { method: "PUT", auth: true,
    body: { nip: document.querySelector("#h-nip").value.trim() } });
  status("#head-result", reply.ok ? "ok" : "bad", reply.ok
    ? `Kepala OPD ${reply.data.opd_name}: ${reply.data.name} (${reply.data.position}). Ia menandatangani rekap OPD di halaman Rekap OPD dengan kunci di perangkatnya.`
    : errorText(reply));
});

document.querySelector("#h-show").addEventListener("click", async () => {
  const code = document.querySelector("#h-opd").value.trim();
  if (!code) { status("#head-result", "bad", "Isi kode OPD terlebih dahulu."); return; }
  const reply = await api(`/api/opds/${encodeURIComponent(code)}/head`, { auth: true });
  status("#head-result", reply.ok ? "info" : "bad", !reply.ok ? errorText(reply)
    : reply.data.head ? `Kepala OPD ${reply.data.head.opd_name}: ${reply.data.head.name} (NIP ${reply.data.head.nip}).`
      : `Kepala OPD ${code} belum ditetapkan.`);
});

document.addEventListener("admin-ready", () => { loadCampaigns(); loadPledges(); });
document.addEventListener("ceremonies-changed", loadCampaigns);
