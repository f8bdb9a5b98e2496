// Seeds a realistic account through the sync API, so screens have something to show.
function uuid7() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  const now = Date.now();
  for (let i = 0; i < 6; i++) b[i] = Math.floor(now / 2 ** (8 * (5 - i))) & 0xff;
  b[6] = 0x70 | (b[6] & 0x0f);
  b[8] = 0x80 | (b[8] & 0x3f);
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export async function seed(url, token) {
  const day = 86400_000;
  const iso = (t) => new Date(t).toISOString();
  const now = Date.now();
  const c = { lee: uuid7(), bob: uuid7(), ana: uuid7(), priya: uuid7(), marta: uuid7() };
  const muts = [];
  const put = (entity, id, fields) => muts.push({ id: muts.length + 1, entity, record_id: id, op: 'put', fields, base_version: 0 });
  put('contact', c.ana, { name: 'Ana Costa', company: 'Costa Bakery', role: 'Owner', kind: 'client', stage: 'like', champion: { trusts_me: true }, what_they_do: 'Three bakeries in the old town.' });
  put('contact', c.bob, { name: 'Bob Meyer', company: 'Meyer Tax', role: 'Partner', kind: 'partner', stage: 'champion', champion: { trusts_me: true, understands_offer: true, has_opportunity: true, knows_what_to_say: true } });
  put('contact', c.lee, { name: 'Lee Park', company: 'Northwind', role: 'COO', kind: 'prospect', stage: 'trust' });
  put('contact', c.priya, { name: 'Priya Shah', company: 'City Chamber', kind: 'connector', stage: 'know' });
  put('contact', c.marta, { name: 'Marta Nowak', company: 'Nowak Design', kind: 'friend', stage: 'met' });
  const ev = uuid7();
  put('event', ev, { title: 'Coffee with Ana', kind: 'coffee', starts_at: iso(now - day), contact_ids: [c.ana] });
  put('note', uuid7(), {
    body: 'Ana loved the new ordering flow. Her cousin runs Brightside Cafés and struggles with the same thing.',
    meeting_at: iso(now - day),
    event_id: ev,
    contact_ids: [c.ana],
    signals: [{ contact_id: c.ana, kind: 'praised', at: iso(now - day) }],
  });
  put('note', uuid7(), { body: 'Chapter breakfast. Priya runs the newcomers table.', meeting_at: iso(now - 2 * day), contact_ids: [c.priya], signals: [] });
  put('ask', uuid7(), {
    contact_id: c.ana,
    target: 'Jordan at Brightside Cafés',
    why: 'Same ordering mess we fixed for Ana.',
    script: 'Who else do you know who fights with phone orders? Would you introduce me to Jordan?',
    trigger: { kind: 'date', value: iso(now - day).slice(0, 10) },
    status: 'planned',
  });
  put('ask', uuid7(), { contact_id: c.lee, target: 'the Northwind board', trigger: { kind: 'after_days', value: '30' }, status: 'planned' });
  put('referral', uuid7(), { direction: 'received', contact_id: c.bob, prospect: 'Hansen Logistics', status: 'contacted', at: iso(now - day) });
  put('referral', uuid7(), { direction: 'given', contact_id: c.lee, prospect: 'Meyer Tax', status: 'met', at: iso(now - 5 * day) });
  put('referral', uuid7(), { direction: 'given', contact_id: c.bob, prospect: 'Costa Bakery', status: 'won', at: iso(now - 9 * day), value: { amount: 1200, currency: 'EUR' } });
  const res = await fetch(`${url}/api/v1/sync/push`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify({ client_id: `seed_${Math.random().toString(36).slice(2, 12)}`, mutations: muts }),
  });
  if (!res.ok) throw new Error(`seed push: ${res.status} ${await res.text()}`);
  return c;
}
