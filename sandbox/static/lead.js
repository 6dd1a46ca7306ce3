// The "New lead" form: a lead as a CRM would send it, through the app's real POST /leads or
// shaped as HubSpot, Salesforce or Typeform send it, to that lead source.

import { follow, forget, restore } from "./kept.js";
import { $, el, post, toast } from "./util.js";

// The form's typed fields survive a reload (the owner once its choices exist).
export function keepLeadForm() {
  restore("lead", $("lead-form"));
  follow("lead", $("lead-form"));
}

export function renderLeadChoices(doc) {
  const codes = doc.campaigns.map((c) => {
    const option = el("option", "", c.name);
    option.value = c.code;
    return option;
  });
  $("campaign-codes").replaceChildren(...codes);
  const owner = $("lead-owner");
  const chosen = owner.value;
  const nobody = el("option", "", "Nobody: offer it in #sales");
  nobody.value = "";
  owner.replaceChildren(nobody, ...doc.people.filter((p) => p.role === "rep" || p.role === "manager").map((p) => {
    const option = el("option", "", `${p.name} (${p.role})`);
    option.value = p.id;
    return option;
  }));
  owner.value = chosen || owner.options[1]?.value || "";
  if (!chosen) restore("lead", owner.form);
}

export async function sendLead(event, doc) {
  event.preventDefault();
  const form = $("lead-form");
  const data = Object.fromEntries(new FormData(form));
  $("lead-submit").disabled = true;
  const answer = await post("/sandbox/lead", data);
  $("lead-submit").disabled = false;
  if (answer.ok) {
    $("lead-dialog").close();
    form.reset();
    forget("lead");
    renderLeadChoices(doc);
    const counts = answer.accepted === undefined ? "acknowledged" : `${answer.accepted} new, ${answer.hot} hot`;
    toast(`POST ${answer.path} answered ${answer.status}: ${counts}.`);
    return;
  }
  const problems = (answer.errors || []).map((e) => `${e.field || "lead"}${e.path ? ` (${e.path})` : ""}: ${e.error}`);
  $("lead-errors").textContent = problems.join("\n") || answer.error || answer.problem || "The lead was refused.";
}
