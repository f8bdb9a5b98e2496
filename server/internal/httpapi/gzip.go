package httpapi

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/labstack/echo/v4"
)

// pullGzipLevel trades CPU for bytes on the largest answers (a full pull). With klauspost's
// gzip, level 2 stays within 1.2× the size of default-level gzip (1.18× on 10,000 records) at
// well under half the standard library's level-5 time; level 1 crosses 1.2× (make bench).
const pullGzipLevel = 2

// gzipPool compresses large JSON answers with reused writers and buffers, and sends them
// paced: a client that takes nothing of an answer for idle is cut off.
type gzipPool struct {
	writers sync.Pool
	bufs    sync.Pool
	bufws   sync.Pool
	idle    time.Duration
}

func newGzipPool(idle time.Duration) *gzipPool {
	p := &gzipPool{idle: idle}
	p.writers.New = func() any {
		w, _ := gzip.NewWriterLevel(nil, pullGzipLevel) // a valid constant level: never fails
		return w
	}
	p.bufs.New = func() any { return new(bytes.Buffer) }
	p.bufws.New = func() any { return bufio.NewWriterSize(nil, 32<<10) }
	return p
}

// buffer lends a buffer; put gives it back.
func (p *gzipPool) buffer() (buf *bytes.Buffer, put func()) {
	buf = p.bufs.Get().(*bytes.Buffer)
	buf.Reset()
	return buf, func() { p.bufs.Put(buf) }
}

// bufWriter lends a 32 KiB buffered writer onto w, for answers written in many small pieces;
// put gives it back. Under sync load, one made afresh for every pull was a fifth of all the
// server allocated.
func (p *gzipPool) bufWriter(w io.Writer) (bw *bufio.Writer, put func()) {
	bw = p.bufws.Get().(*bufio.Writer)
	bw.Reset(w)
	return bw, func() {
		bw.Reset(nil)
		p.bufws.Put(bw)
	}
}

// plainBelow is the size under which an answer goes uncompressed. It fits in TCP's first
// flight (an initial window of ten segments, about 14 KB with the headers), so gzip would
// save no round trip, only some kilobytes; and on a server under sync load, compressing the
// usual small pull took a third of the pull's CPU.
const plainBelow = 12 << 10

func acceptsGzip(c echo.Context) bool {
	return strings.Contains(c.Request().Header.Get(echo.HeaderAcceptEncoding), "gzip")
}

// answer is a JSON answer built whole in memory before any of it goes out, so what it is
// built from (a pull's database snapshot) is given back before a slow client is sent it.
// Past plainBelow, for a client that takes gzip, it is compressed as it is written: memory
// holds the compressed answer, not the plain one.
type answer struct {
	p    *gzipPool
	c    echo.Context
	buf  *bytes.Buffer
	zw   *gzip.Writer // set once compressing into buf
	puts []func()
}

func (p *gzipPool) answer(c echo.Context) *answer {
	buf, put := p.buffer()
	return &answer{p: p, c: c, buf: buf, puts: []func(){put}}
}

func (a *answer) Write(b []byte) (int, error) {
	if a.zw != nil {
		return a.zw.Write(b)
	}
	a.buf.Write(b)
	if a.buf.Len() < plainBelow || !acceptsGzip(a.c) {
		return len(b), nil
	}
	// Compress from here on, into a buffer of its own that becomes the answer.
	z, put := a.p.buffer()
	a.puts = append(a.puts, put)
	a.zw = a.p.writers.Get().(*gzip.Writer)
	a.zw.Reset(z)
	held := a.buf
	a.buf = z
	if _, err := a.zw.Write(held.Bytes()); err != nil {
		return 0, err
	}
	held.Reset()
	return len(b), nil
}

// send finishes the answer and sends it.
func (a *answer) send() error {
	if a.zw != nil {
		if err := a.zw.Close(); err != nil {
			return err
		}
	}
	return a.p.send(a.c, a.buf.Bytes(), a.zw != nil)
}

// release gives back the answer's buffers and writer.
func (a *answer) release() {
	if a.zw != nil {
		a.p.writers.Put(a.zw)
	}
	for _, put := range a.puts {
		put()
	}
}

// send writes the headers and the body, paced.
func (p *gzipPool) send(c echo.Context, body []byte, gzipped bool) error {
	w := c.Response()
	w.Header().Add(echo.HeaderVary, echo.HeaderAcceptEncoding)
	w.Header().Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	if gzipped {
		w.Header().Set(echo.HeaderContentEncoding, "gzip")
	}
	w.Header().Set(echo.HeaderContentLength, strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, err := p.paced(c).Write(body)
	return err
}

// paced is the answer's body as a writer that gives the client idle to take each piece: a
// slow phone that keeps reading gets all of it, a client that stops reading is cut off
// instead of holding the answer (and, for an export, its database snapshot) for good. The
// server lifts the deadline when the request ends.
func (p *gzipPool) paced(c echo.Context) io.Writer {
	return &pacedWriter{w: c.Response(), rc: http.NewResponseController(c.Response()), idle: p.idle}
}

type pacedWriter struct {
	w     io.Writer
	rc    *http.ResponseController
	idle  time.Duration
	sent  int
	timed bool      // a deadline is set
	setAt time.Time // when it was set
}

// The first 16 KiB (a socket's first send buffer) never wait for the client, so they go
// without a deadline: setting and lifting one was a tenth of a small pull's cost. Past them
// each write is timed, the deadline moved on at most every quarter of idle, in pieces of at
// most pacedPiece (a few TCP windows) so that each has idle to go.
const (
	unpacedMax = 16 << 10
	pacedPiece = 64 << 10
)

func (pw *pacedWriter) Write(b []byte) (int, error) {
	n := 0
	for len(b) > 0 {
		piece := b[:min(len(b), pacedPiece)]
		if pw.sent+len(piece) > unpacedMax {
			if now := time.Now(); !pw.timed || now.Sub(pw.setAt) > pw.idle/4 {
				// A writer that cannot take deadlines (a test recorder) is written without.
				pw.timed, pw.setAt = pw.rc.SetWriteDeadline(now.Add(pw.idle)) == nil, now
			}
		}
		m, err := pw.w.Write(piece)
		n, pw.sent = n+m, pw.sent+m
		if err != nil {
			return n, err
		}
		b = b[len(piece):]
	}
	return n, nil
}
