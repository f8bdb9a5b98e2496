package remind

import (
	"context"
	"encoding/json"
)

// maxContactsPerEvent bounds the names read for an event's follow-up; the message shows three.
const maxContactsPerEvent = 5

// loadRelated reads the records one user's reminders are about, one query per entity. A
// failed read only makes the messages plainer.
func (d *Dispatcher) loadRelated(ctx context.Context, userID string, items []*item) *related {
	rel := &related{}
	bySubject := map[string][]string{}
	seen := map[string]bool{}
	for _, it := range items {
		s := it.rec.Subject
		if s.ID != "" && !seen[s.Entity+"/"+s.ID] {
			seen[s.Entity+"/"+s.ID] = true
			bySubject[s.Entity] = append(bySubject[s.Entity], s.ID)
		}
	}
	load := func(entity string, ids []string, into func(id string, data []byte) error) {
		if len(ids) == 0 {
			return
		}
		recs, err := d.store.LoadRecords(ctx, userID, entity, ids)
		if err != nil {
			d.log.Warn("remind: loading records for messages failed", "user", userID, "entity", entity, "err", err)
			return
		}
		for id, data := range recs {
			if err := into(id, []byte(data)); err != nil {
				d.log.Warn("remind: unreadable record", "entity", entity, "id", id, "err", err)
			}
		}
	}
	var contactIDs []string
	wanted := map[string]bool{}
	want := func(ids ...string) {
		for _, id := range ids {
			if id != "" && !wanted[id] {
				wanted[id] = true
				contactIDs = append(contactIDs, id)
			}
		}
	}
	deref := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	rel.asks = map[string]*askRec{}
	load("ask", bySubject["ask"], decodeInto(rel.asks, func(a *askRec) { want(a.ContactID, deref(a.TargetContactID)) }))
	rel.referrals = map[string]*referralRec{}
	load("referral", bySubject["referral"], decodeInto(rel.referrals, func(r *referralRec) { want(r.ContactID, deref(r.ProspectContactID)) }))
	rel.events = map[string]*eventRec{}
	load("event", bySubject["event"], decodeInto(rel.events, func(e *eventRec) {
		want(e.ContactIDs[:min(len(e.ContactIDs), maxContactsPerEvent)]...)
	}))
	rel.notes = map[string]*noteRec{}
	load("note", bySubject["note"], decodeInto(rel.notes, func(n *noteRec) {
		want(n.ContactIDs[:min(len(n.ContactIDs), maxContactsPerEvent)]...)
	}))
	rel.suggestions = map[string]*suggestionRec{}
	load("suggestion", bySubject["suggestion"], decodeInto(rel.suggestions, nil))
	want(bySubject["contact"]...) // after the others: their contacts are read in the same query
	rel.contacts = map[string]*contactRec{}
	load("contact", contactIDs, decodeInto(rel.contacts, nil))
	return rel
}

// decodeInto makes a load callback that decodes each record into m and hands it to then (when
// not nil), which names the contacts the message will need.
func decodeInto[T any](m map[string]*T, then func(*T)) func(id string, data []byte) error {
	return func(id string, data []byte) error {
		v := new(T)
		if err := json.Unmarshal(data, v); err != nil {
			return err
		}
		m[id] = v
		if then != nil {
			then(v)
		}
		return nil
	}
}
