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
	load("ask", bySubject["ask"], func(id string, b []byte) error {
		a := new(askRec)
		if err := json.Unmarshal(b, a); err != nil {
			return err
		}
		rel.asks[id] = a
		want(a.ContactID, deref(a.TargetContactID))
		return nil
	})
	rel.referrals = map[string]*referralRec{}
	load("referral", bySubject["referral"], func(id string, b []byte) error {
		r := new(referralRec)
		if err := json.Unmarshal(b, r); err != nil {
			return err
		}
		rel.referrals[id] = r
		want(r.ContactID, deref(r.ProspectContactID))
		return nil
	})
	rel.events = map[string]*eventRec{}
	load("event", bySubject["event"], func(id string, b []byte) error {
		e := new(eventRec)
		if err := json.Unmarshal(b, e); err != nil {
			return err
		}
		rel.events[id] = e
		want(e.ContactIDs[:min(len(e.ContactIDs), maxContactsPerEvent)]...)
		return nil
	})
	rel.notes = map[string]*noteRec{}
	load("note", bySubject["note"], func(id string, b []byte) error {
		n := new(noteRec)
		if err := json.Unmarshal(b, n); err != nil {
			return err
		}
		rel.notes[id] = n
		want(n.ContactIDs[:min(len(n.ContactIDs), maxContactsPerEvent)]...)
		return nil
	})
	rel.suggestions = map[string]*suggestionRec{}
	load("suggestion", bySubject["suggestion"], func(id string, b []byte) error {
		sg := new(suggestionRec)
		if err := json.Unmarshal(b, sg); err != nil {
			return err
		}
		rel.suggestions[id] = sg
		return nil
	})
	want(bySubject["contact"]...)
	rel.contacts = map[string]*contactRec{}
	load("contact", contactIDs, func(id string, b []byte) error {
		c := new(contactRec)
		if err := json.Unmarshal(b, c); err != nil {
			return err
		}
		rel.contacts[id] = c
		return nil
	})
	return rel
}
