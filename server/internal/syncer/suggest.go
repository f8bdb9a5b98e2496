package syncer

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/askwell/askwell/server/internal/playbook"
	"github.com/askwell/askwell/server/internal/records"
)

// deriveSuggestions re-derives, in the batch's transaction, the next steps about every contact
// whose facts the batch changed: the contact, its asks, notes about it (its signals), referrals
// with it, who it knows, and whom it knows that became (or stopped being) a dream customer.
// A suggestion keeps the status the user gave it while its cause lasts; when the cause ends it
// is removed, and a new cause makes it open again.
func (b *batch) deriveSuggestions(ctx context.Context) error {
	v := b.w.Version()
	contacts := map[string]bool{}
	for id := range b.coached {
		contacts[id] = true
	}
	for _, id := range b.order[records.Contact] {
		if c := b.get(records.Contact, id); c.changed {
			contacts[id] = true
		}
	}
	for _, entity := range []string{records.Ask, records.Referral, records.Connection} {
		for _, id := range b.order[entity] {
			if r := b.get(entity, id); r.changed && r.fieldsChangedAt(v) {
				contacts[r.str("contact_id")] = true
				if entity == records.Connection {
					contacts[r.str("other_contact_id")] = true
				}
			}
		}
	}
	delete(contacts, "")
	if len(contacts) == 0 {
		return nil
	}
	// Whoever knows a contact whose dream flag, name or existence changed has a path to redo.
	var known []string
	for _, id := range b.order[records.Contact] {
		if c := b.get(records.Contact, id); c.changed && (c.fieldChanged("dream", v) || c.fieldChanged("name", v) || c.fieldChanged(deletedKey, v)) {
			known = append(known, id)
		}
	}
	knowers, err := b.loadBy(ctx, records.Connection, "other_contact_id", known)
	if err != nil {
		return err
	}
	for _, r := range knowers {
		contacts[r.ContactID] = true
	}
	ids := keys(contacts)
	if err := b.load(ctx, records.Contact, ids); err != nil {
		return err
	}
	for _, entity := range []string{records.Ask, records.Referral, records.Connection} {
		if _, err := b.loadBy(ctx, entity, "contact_id", ids); err != nil {
			return err
		}
	}
	// Their suggestions come with the removed ones, so a suggestion wanted again is found here
	// and not looked up by id.
	if _, err := b.loadAnyBy(ctx, records.Suggestion, "contact_id", ids); err != nil {
		return err
	}
	signals, err := b.signalsAbout(ctx, ids)
	if err != nil {
		return err
	}
	facts := b.contactFacts(contacts, signals)
	var dreams []string
	for _, id := range b.order[records.Connection] {
		if c := b.get(records.Connection, id); c.deletedAt == nil && contacts[c.str("contact_id")] {
			dreams = append(dreams, c.str("other_contact_id"))
		}
	}
	if err := b.load(ctx, records.Contact, dreams); err != nil {
		return err
	}
	b.addPaths(facts)

	rules, loc := playbook.Default(), b.location()
	plans := map[string]playbook.Trigger{}
	_ = json.Unmarshal([]byte(b.w.User().AskPlans), &plans) // validated when the user set them
	wanted := map[string]playbook.Suggestion{}
	var wantedIDs []string
	for _, id := range ids {
		for _, s := range rules.ContactSuggestions(*facts[id], plans, b.now, loc) {
			wanted[s.ID] = s
			wantedIDs = append(wantedIDs, s.ID)
		}
	}
	// A wanted suggestion about one of them is in the batch if it exists at all; only one
	// about someone else (none, today) is looked up by id.
	var elsewhere []string
	for _, id := range wantedIDs {
		if !contacts[wanted[id].ContactID] {
			elsewhere = append(elsewhere, id)
		}
	}
	if err := b.load(ctx, records.Suggestion, elsewhere); err != nil {
		return err
	}
	for _, id := range wantedIDs {
		if err := b.suggest(wanted[id]); err != nil {
			return err
		}
	}
	contactKinds := map[string]bool{}
	for _, k := range playbook.ContactKinds() {
		contactKinds[k] = true
	}
	for _, id := range b.order[records.Suggestion] {
		s := b.get(records.Suggestion, id)
		if _, ok := wanted[id]; !ok && s.deletedAt == nil && contactKinds[s.str("kind")] && contacts[s.str("contact_id")] {
			b.unsuggest(s)
		}
	}
	return nil
}

// fieldsChangedAt reports whether the batch at version v wrote any field of the record.
func (r *record) fieldsChangedAt(v int64) bool {
	for _, st := range r.stamps {
		if st.V == v {
			return true
		}
	}
	return false
}

// contactFacts gathers, from what the batch holds, the facts of each contact.
func (b *batch) contactFacts(contacts map[string]bool, signals map[string][]playbook.Signal) map[string]*playbook.ContactFacts {
	facts := map[string]*playbook.ContactFacts{}
	for id := range contacts {
		c := b.get(records.Contact, id)
		f := &playbook.ContactFacts{Contact: b.contactInput(id), Signals: signals[id], Deleted: c == nil || c.deletedAt != nil}
		if c != nil {
			f.Kind, f.Archived = c.str("kind"), c.data["archived"] == true
		}
		facts[id] = f
	}
	for _, id := range b.order[records.Ask] {
		a := b.get(records.Ask, id)
		if f := facts[a.str("contact_id")]; f != nil && a.deletedAt == nil && playbook.AskOpen(a.str("status")) {
			f.OpenAsks = append(f.OpenAsks, askInput(a))
		}
	}
	for _, id := range b.order[records.Referral] {
		r := b.get(records.Referral, id)
		f := facts[r.str("contact_id")]
		if f == nil || r.deletedAt != nil {
			continue
		}
		at := r.createdAt
		if t := parseTime(r.data["at"]); t != nil {
			at = *t
		}
		if r.str("direction") == "given" {
			f.Given = append(f.Given, at)
		} else {
			f.Received = append(f.Received, at)
		}
	}
	return facts
}

// addPaths adds to each contact the dream customers it knows.
func (b *batch) addPaths(facts map[string]*playbook.ContactFacts) {
	for _, id := range b.order[records.Connection] {
		c := b.get(records.Connection, id)
		f := facts[c.str("contact_id")]
		if f == nil || c.deletedAt != nil {
			continue
		}
		d := b.get(records.Contact, c.str("other_contact_id"))
		if d == nil || d.deletedAt != nil || d.data["dream"] != true {
			continue
		}
		f.Paths = append(f.Paths, playbook.Path{Dream: b.contactInput(d.id), Via: c.str("via"), Detail: c.str("detail")})
	}
}

// signalsAbout returns the live signals about those contacts, reading each contact's once.
func (b *batch) signalsAbout(ctx context.Context, ids []string) (map[string][]playbook.Signal, error) {
	if b.signals == nil {
		b.signals = map[string][]playbook.Signal{}
	}
	var missing []string
	for _, id := range ids {
		if _, ok := b.signals[id]; !ok {
			missing = append(missing, id)
			b.signals[id] = nil
		}
	}
	if len(missing) > 0 {
		rows, err := b.w.SignalsAbout(ctx, missing, b.now.Add(-playbook.Default().Lookback()))
		if err != nil {
			return nil, err
		}
		for _, s := range rows {
			b.signals[s.ContactID] = append(b.signals[s.ContactID], playbook.Signal{ContactID: s.ContactID, Kind: s.Kind,
				NoteID: s.NoteID, At: s.At.UTC(), HoldUntil: s.HoldUntil})
		}
	}
	return b.signals, nil
}

// suggest writes a wanted suggestion: new ones open; a removed one comes back open; what the
// user did with a live one (done, dismissed, snoozed) stays.
func (b *batch) suggest(s playbook.Suggestion) error {
	v := b.w.Version()
	rec := b.get(records.Suggestion, s.ID)
	if rec == nil {
		kind, _ := b.schema.Kind(records.Suggestion)
		rec = &record{kind: kind, id: s.ID, createdAt: b.now, stamps: map[string]stamp{}, data: map[string]any{}}
		b.adopt(rec)
		rec.data["status"], rec.stamps["status"], rec.changed = playbook.SuggestionOpen, stamp{V: v}, true
	} else if rec.deletedAt != nil {
		rec.deletedAt = nil
		rec.stamps[deletedKey] = stamp{V: v}
		rec.data["status"], rec.stamps["status"] = playbook.SuggestionOpen, stamp{V: v}
		delete(rec.data, "snoozed_until")
		rec.changed = true
	}
	derived := struct {
		Kind       string   `json:"kind"`
		ContactID  string   `json:"contact_id,omitempty"`
		SubjectIDs []string `json:"subject_ids"`
		Title      string   `json:"title"`
		Reasons    []any    `json:"reasons"`
		Text       string   `json:"text,omitempty"`
		Score      float64  `json:"score"`
		ExpiresAt  *string  `json:"expires_at,omitempty"`
	}{s.Kind, s.ContactID, s.SubjectIDs, s.Title, reasonsData(s.Reasons), s.Text, s.Score, wireTime(s.ExpiresAt)}
	if derived.SubjectIDs == nil {
		derived.SubjectIDs = []string{} // an array, as openapi.yaml says, even about no one (a week's rhythm, an offer)
	}
	raw, err := json.Marshal(derived)
	if err != nil {
		return fmt.Errorf("sync: encode suggestion: %w", err)
	}
	var fields map[string]any
	if err := json.Unmarshal(raw, &fields); err != nil {
		return err
	}
	for _, f := range []string{"kind", "contact_id", "subject_ids", "title", "reasons", "text", "score", "expires_at"} {
		val, ok := fields[f]
		if cur, has := rec.data[f]; has == ok && reflect.DeepEqual(cur, val) {
			continue
		}
		if ok {
			rec.data[f] = val
		} else {
			delete(rec.data, f)
		}
		rec.stamps[f] = stamp{V: v}
		rec.changed = true
	}
	return nil
}

// unsuggest removes a suggestion whose cause has ended.
func (b *batch) unsuggest(rec *record) {
	t := b.now
	rec.deletedAt = &t
	rec.stamps[deletedKey] = stamp{V: b.w.Version()}
	rec.changed = true
}

// reasonsData is reasons as they are stored and synced, times in the one wire format.
func reasonsData(rs []playbook.Reason) []any {
	out := make([]any, 0, len(rs))
	for _, x := range rs {
		m := map[string]any{"code": x.Code, "text": x.Text}
		for k, v := range map[string]string{"contact_id": x.ContactID, "note_id": x.NoteID, "script": x.Script} {
			if v != "" {
				m[k] = v
			}
		}
		if x.At != nil {
			m["at"] = formatTime(*x.At)
		}
		out = append(out, m)
	}
	return out
}
