package loadgen

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Faker makes realistic contacts and notes (the shapes of openapi.yaml, with text of the
// length people type) from a seeded generator, so runs are repeatable. It is not safe for
// concurrent use; give each goroutine its own.
type Faker struct {
	r   *rand.Rand
	now time.Time
}

// NewFaker makes a generator; the same seed gives the same records.
func NewFaker(seed uint64) *Faker {
	return &Faker{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), now: time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)}
}

// ID makes a canonical UUIDv7-shaped record id, as the PWA does.
func (f *Faker) ID() string {
	var u uuid.UUID
	ms := uint64(f.now.UnixMilli()) + f.r.Uint64N(1<<20)
	for i := range 6 {
		u[i] = byte(ms >> (40 - 8*i))
	}
	for i := 6; i < 16; i++ {
		u[i] = byte(f.r.Uint32())
	}
	u[6] = u[6]&0x0f | 0x70
	u[8] = u[8]&0x3f | 0x80
	return u.String()
}

var (
	firstNames = []string{"Anna", "Ben", "Carla", "David", "Elif", "Farid", "Greta", "Hannes", "Ines", "Jonas",
		"Katrin", "Lukas", "Maja", "Nils", "Olga", "Paul", "Rosa", "Sven", "Tanja", "Uwe", "Vera", "Yusuf", "Zoe", "Marco"}
	lastNames = []string{"Becker", "Schmidt", "Novak", "Okafor", "Lindqvist", "Moreau", "Rossi", "Yilmaz", "Kowalski",
		"Fischer", "Hartmann", "Nakamura", "Costa", "Brandt", "Weber", "Keller", "Jansen", "Ahmadi", "Vogel", "Berg"}
	companies = []string{"Brightpath Consulting", "Nordlicht GmbH", "Keller & Partner", "Bluefern Studio", "Atlas Tax Advisors",
		"Greenline Logistics", "Harbor Dental", "Quill Legal", "Summit Realty", "Oakwood Interiors", "Pixelwerk", "Lumen Health"}
	roles = []string{"Founder", "Managing Director", "Head of Sales", "Tax advisor", "Architect", "Office manager",
		"Marketing lead", "Financial planner", "Realtor", "Lawyer", "Photographer", "IT consultant"}
	contactKinds = []string{"client", "prospect", "partner", "connector", "friend"}
	stages       = []string{"met", "know", "like", "trust", "champion"}
	tagWords     = []string{"bni", "chamber", "warm-lead", "referrer", "golf", "breakfast-club", "linkedin", "vip", "local", "expo"}
	places       = []string{"the chamber breakfast", "a BNI meeting", "the trade fair", "a client's birthday party", "LinkedIn",
		"the golf club", "a coworking event", "the Rotary lunch", "a webinar"}
	words = strings.Fields(`we talked about her plans for next year and the new office they are opening in spring
		he mentioned that two of his clients are looking for a reliable partner for bookkeeping and payroll
		she would like an introduction to someone in commercial real estate who knows the north side
		follow up after the holidays send the case study and the price sheet ask about the referral program
		they had a bad experience with their last supplier and are cautious about switching again
		great conversation about marketing budgets events trust and how long it takes to build a network
		remember his daughter starts university in october and he loves sailing on the lake
		promised to send the article about cash flow planning and to invite her to the next breakfast
		offered to connect me with the managing director of a logistics firm who needs our service`)
	signalKinds = []string{"praised", "good_news", "offered_help", "we_helped", "problem_solved"}
)

func (f *Faker) pick(list []string) string { return list[f.r.IntN(len(list))] }

// Sentence makes text of about n words.
func (f *Faker) Sentence(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		w := f.pick(words)
		if i == 0 {
			w = strings.ToUpper(w[:1]) + w[1:]
		}
		b.WriteString(w)
		if i > 0 && i < n-1 && f.r.IntN(12) == 0 {
			b.WriteString(",")
		}
	}
	b.WriteByte('.')
	return b.String()
}

func (f *Faker) day(back int) string {
	return f.now.Add(-time.Duration(f.r.IntN(back*24*60)) * time.Minute).Truncate(time.Minute).Format(time.RFC3339)
}

// Contact returns the fields of a new contact.
func (f *Faker) Contact() map[string]any {
	first, last := f.pick(firstNames), f.pick(lastNames)
	company := f.pick(companies)
	tags := make([]any, 0, 3)
	for range f.r.IntN(3) + 1 {
		tags = append(tags, f.pick(tagWords))
	}
	c := map[string]any{
		"name":    first + " " + last,
		"company": company,
		"role":    f.pick(roles),
		"email":   strings.ToLower(first+"."+last) + "@" + strings.ToLower(strings.Fields(company)[0]) + ".example",
		"phone":   fmt.Sprintf("+49 %d %07d", 30+f.r.IntN(900), f.r.IntN(10_000_000)),
		"kind":    f.pick(contactKinds),
		"stage":   f.pick(stages),
		"tags":    tags,
		"how_met": "Met at " + f.pick(places) + ". " + f.Sentence(8+f.r.IntN(12)),
	}
	if f.r.IntN(2) == 0 {
		c["what_they_do"] = f.Sentence(10 + f.r.IntN(15))
		c["target"] = "Owner-run " + strings.ToLower(f.pick(roles)) + " firms nearby"
	}
	return c
}

// Note returns the fields of a new note about some of the given contacts.
func (f *Faker) Note(contactIDs []string) map[string]any {
	n := map[string]any{
		"body":       f.Sentence(30 + f.r.IntN(90)),
		"meeting_at": f.day(120),
	}
	if len(contactIDs) > 0 {
		ids := []any{contactIDs[f.r.IntN(len(contactIDs))]}
		if f.r.IntN(3) == 0 {
			ids = append(ids, contactIDs[f.r.IntN(len(contactIDs))])
		}
		n["contact_ids"] = ids
		if f.r.IntN(10) == 0 {
			n["signals"] = []any{map[string]any{"contact_id": ids[0], "kind": f.pick(signalKinds), "at": f.day(30)}}
		}
	}
	return n
}

// Edit returns a small patch of an existing record: a new stage or tag for a contact, more
// text for a note.
func (f *Faker) Edit(entity string) map[string]any {
	if entity == "contact" {
		if f.r.IntN(2) == 0 {
			return map[string]any{"stage": f.pick(stages)}
		}
		return map[string]any{"what_they_do": f.Sentence(10 + f.r.IntN(10))}
	}
	return map[string]any{"body": f.Sentence(30 + f.r.IntN(60))}
}

// NewRecords returns n put mutations creating a mix of contacts (about 40 %) and notes that
// refer to them, numbered from firstID; known are contacts that notes may refer to.
func (f *Faker) NewRecords(firstID int64, n int, known []string) ([]Mutation, []string) {
	out := make([]Mutation, 0, n)
	for i := range n {
		m := Mutation{ID: firstID + int64(i), RecordID: f.ID(), Op: "put"}
		if len(known) == 0 || f.r.IntN(5) < 2 {
			m.Entity, m.Fields = "contact", f.Contact()
			known = append(known, m.RecordID)
		} else {
			m.Entity, m.Fields = "note", f.Note(known[max(0, len(known)-200):])
		}
		out = append(out, m)
	}
	return out, known
}
