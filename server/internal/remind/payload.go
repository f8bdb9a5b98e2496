package remind

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf8"

	"github.com/askwell/askwell/server/internal/push"
)

// Payload is what the service worker receives in a push event (JSON). Actions are the
// notification buttons; Token lets them call API without the app open.
type Payload struct {
	Title      string   `json:"title"`
	Body       string   `json:"body"`
	URL        string   `json:"url"`
	ReminderID string   `json:"reminder_id"`
	Kind       string   `json:"kind"`
	Token      string   `json:"token"`
	Actions    []Action `json:"actions"`
	// Tag collapses a duplicate notification on the device (a resend after a crash).
	Tag string `json:"tag"`
	// API is the reminder's resource: POST API+"/done" or API+"/snooze" with the token.
	API string `json:"api"`
}

// Action is one notification button.
type Action struct {
	Action string `json:"action"`
	Title  string `json:"title"`
}

// Notification actions the service worker handles.
const (
	ActionDone   = "done"
	ActionSnooze = "snooze"
)

func newPayload(m message, reminderID, kind, token, baseURL string) Payload {
	base := strings.TrimRight(baseURL, "/")
	return Payload{
		Title: m.Title, Body: m.Body, URL: base + m.URL, ReminderID: reminderID, Kind: kind, Token: token,
		Actions: []Action{{Action: ActionDone, Title: "Done"}, {Action: ActionSnooze, Title: "Snooze 1 h"}},
		Tag:     reminderID, API: base + "/api/v1/reminders/" + reminderID,
	}
}

// encode marshals p within push.MaxPayload, shortening the body and then the title if long
// text (or a long base URL) would push it over.
func (p Payload) encode() ([]byte, error) {
	for {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false) // "<" stays one byte, not six
		if err := enc.Encode(p); err != nil {
			return nil, err
		}
		b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
		if len(b) <= push.MaxPayload {
			return b, nil
		}
		switch {
		case utf8.RuneCountInString(p.Body) > 20:
			p.Body = clip(p.Body, utf8.RuneCountInString(p.Body)/2)
		case utf8.RuneCountInString(p.Title) > 20:
			p.Title = clip(p.Title, utf8.RuneCountInString(p.Title)/2)
		default:
			return b, nil // only ids and links are left: Send will refuse it and say why
		}
	}
}
