package bench

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// rawClient is a minimal WebSocket client speaking centrifuge's JSON
// protocol: it authenticates with a token and subscribes to one channel
// with ordinary blocking I/O, then hands its socket to a rawPool, which
// only reads frames and answers the server's pings.
//
// The connections benchmark runs ten thousand of them on the machine that
// runs the server. A full client library per connection (centrifuge-go:
// several goroutines, JSON decoding and callbacks per message) would spend
// more CPU receiving a publication than the server spends sending it, and
// the fan-out time would measure the clients. To the server a rawClient is
// an ordinary centrifuge connection: its token and its subscription are
// checked exactly as a browser's are.
type rawClient struct {
	conn net.Conn // until the handoff to a rawPool
	fd   int      // after it: a duplicate of conn's socket
	in   []byte   // bytes received and not yet parsed
	buf  []byte   // the array in lives in, from its start
	msg  []byte   // the fragments of a message so far
	pong bool     // the server wants its pings answered
}

const wsGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// dialRaw opens a WebSocket to wsURL with the centrifuge-json subprotocol.
func dialRaw(wsURL string, timeout time.Duration) (*rawClient, error) {
	u, err := url.Parse(wsURL)
	if err != nil {
		return nil, err
	}
	conn, err := net.DialTimeout("tcp", u.Host, timeout)
	if err != nil {
		return nil, err
	}
	_ = conn.SetDeadline(time.Now().Add(timeout))
	var nonce [16]byte
	_, _ = rand.Read(nonce[:])
	key := base64.StdEncoding.EncodeToString(nonce[:])
	req := &http.Request{Method: http.MethodGet, URL: u, Host: u.Host, Header: http.Header{
		"Upgrade":                {"websocket"},
		"Connection":             {"Upgrade"},
		"Sec-Websocket-Key":      {key},
		"Sec-Websocket-Version":  {"13"},
		"Sec-Websocket-Protocol": {"centrifuge-json"},
	}}
	if err := req.Write(conn); err != nil {
		conn.Close()
		return nil, err
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		conn.Close()
		return nil, err
	}
	_ = resp.Body.Close()
	sum := sha1.Sum([]byte(key + wsGUID))
	if resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("Sec-Websocket-Accept") != base64.StdEncoding.EncodeToString(sum[:]) {
		conn.Close()
		return nil, fmt.Errorf("websocket handshake: %s", resp.Status)
	}
	c := &rawClient{conn: conn, fd: -1}
	if n := br.Buffered(); n > 0 {
		c.in, _ = br.Peek(n)
		c.in = bytes.Clone(c.in)
	}
	return c, nil
}

// WebSocket opcodes (RFC 6455, section 5.2).
const (
	opContinuation = 0x0
	opText         = 0x1
	opBinary       = 0x2
	opClose        = 0x8
	opPing         = 0x9
	opPong         = 0xA
)

// write sends one masked frame, as a client must.
func (c *rawClient) write(op byte, payload []byte) error {
	buf := make([]byte, 0, 14+len(payload))
	buf = append(buf, 0x80|op)
	switch n := len(payload); {
	case n < 126:
		buf = append(buf, 0x80|byte(n))
	case n <= 0xFFFF:
		buf = append(buf, 0x80|126, byte(n>>8), byte(n))
	default:
		buf = append(buf, 0x80|127)
		buf = binary.BigEndian.AppendUint64(buf, uint64(n))
	}
	var mask [4]byte
	_, _ = rand.Read(mask[:])
	buf = append(buf, mask[:]...)
	for i, b := range payload {
		buf = append(buf, b^mask[i%4])
	}
	if c.conn != nil {
		_, err := c.conn.Write(buf)
		return err
	}
	// The socket is non-blocking; frames this small fit in its send buffer
	// unless the server stopped reading, which is an error here.
	for len(buf) > 0 {
		n, err := syscall.Write(c.fd, buf)
		if err != nil {
			return err
		}
		buf = buf[n:]
	}
	return nil
}

// next parses the next data message out of c.in, answering pings on the
// way; ok is false when c.in holds no complete message.
func (c *rawClient) next() (msg []byte, ok bool, err error) {
	for {
		b := c.in
		if len(b) < 2 {
			return nil, false, nil
		}
		fin, op := b[0]&0x80 != 0, b[0]&0x0F
		if b[1]&0x80 != 0 {
			return nil, false, errors.New("websocket: masked frame from the server")
		}
		n, hdr := uint64(b[1]&0x7F), 2
		switch n {
		case 126:
			if len(b) < 4 {
				return nil, false, nil
			}
			n, hdr = uint64(binary.BigEndian.Uint16(b[2:4])), 4
		case 127:
			if len(b) < 10 {
				return nil, false, nil
			}
			n, hdr = binary.BigEndian.Uint64(b[2:10]), 10
		}
		if n > 1<<20 {
			return nil, false, fmt.Errorf("websocket: frame of %d bytes", n)
		}
		if uint64(len(b)-hdr) < n {
			return nil, false, nil
		}
		payload := b[hdr : hdr+int(n)]
		c.in = b[hdr+int(n):]
		switch op {
		case opPing:
			if err := c.write(opPong, payload); err != nil {
				return nil, false, err
			}
			continue
		case opPong:
			continue
		case opClose:
			return nil, false, fmt.Errorf("websocket: closed by the server: %q", payload)
		case opText, opBinary:
			c.msg = append(c.msg[:0], payload...)
		case opContinuation:
			c.msg = append(c.msg, payload...)
		}
		if !fin {
			continue
		}
		// Centrifuge's application-level ping is an empty object, alone or
		// as one line of a batched frame.
		if c.pong && hasPing(c.msg) {
			if err := c.write(opText, []byte("{}")); err != nil {
				return nil, false, err
			}
		}
		return c.msg, true, nil
	}
}

// compact moves the unparsed bytes to the front of the client's buffer,
// so that reading appends into the same array rather than a new one.
func (c *rawClient) compact() {
	c.in = append(c.buf[:0], c.in...)
	c.buf = c.in
}

// hasPing reports whether a frame holds a ping: a line that is exactly {}.
func hasPing(frame []byte) bool {
	for line := range bytes.SplitSeq(frame, []byte("\n")) {
		if string(bytes.TrimSpace(line)) == "{}" {
			return true
		}
	}
	return false
}

// readMessage returns the next data message during the set-up, when the
// socket is still an ordinary net.Conn.
func (c *rawClient) readMessage() ([]byte, error) {
	var buf [4096]byte
	for {
		msg, ok, err := c.next()
		if err != nil || ok {
			return msg, err
		}
		c.compact()
		n, err := c.conn.Read(buf[:])
		if err != nil {
			return nil, err
		}
		c.in = append(c.in, buf[:n]...)
		c.buf = c.in
	}
}

// call sends one command and waits for the reply with the same id; pushes
// that arrive in between are ignored (nothing is published while the
// benchmark connects).
func (c *rawClient) call(id int, method string, params any) (json.RawMessage, error) {
	cmd, err := json.Marshal(map[string]any{"id": id, method: params})
	if err != nil {
		return nil, err
	}
	if err := c.write(opText, cmd); err != nil {
		return nil, err
	}
	for {
		msg, err := c.readMessage()
		if err != nil {
			return nil, err
		}
		// A frame may carry several replies, one JSON object per line.
		for line := range bytes.SplitSeq(msg, []byte("\n")) {
			var r map[string]json.RawMessage
			if json.Unmarshal(line, &r) != nil || string(r["id"]) != strconv.Itoa(id) {
				continue
			}
			if e, ok := r["error"]; ok {
				return nil, fmt.Errorf("%s: %s", method, e)
			}
			return r[method], nil
		}
	}
}

// connectAndSubscribe authenticates with token and subscribes to channel.
func (c *rawClient) connectAndSubscribe(token, channel string) error {
	res, err := c.call(1, "connect", map[string]any{"token": token, "name": "hummdesk-bench"})
	if err != nil {
		return err
	}
	var connected struct {
		Client string `json:"client"`
		Pong   bool   `json:"pong"`
	}
	if err := json.Unmarshal(res, &connected); err != nil || connected.Client == "" {
		return fmt.Errorf("connect: unexpected reply %s", res)
	}
	c.pong = connected.Pong
	_, err = c.call(2, "subscribe", map[string]any{"channel": channel})
	return err
}

// rawPool reads the sockets of many rawClients in one goroutine with
// epoll: one system call per readable socket, nothing per idle one.
type rawPool struct {
	epfd int
	// OnMessage is called, from the pool's goroutine, with every data
	// message; OnEnd with the error that ended a connection.
	OnMessage func(msg []byte)
	OnEnd     func(err error)

	mu      sync.Mutex
	clients map[int32]*rawClient
	stop    chan struct{}
	done    chan struct{}
}

func newRawPool(onMessage func([]byte), onEnd func(error)) (*rawPool, error) {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("epoll: %w", err)
	}
	p := &rawPool{epfd: epfd, OnMessage: onMessage, OnEnd: onEnd, clients: map[int32]*rawClient{},
		stop: make(chan struct{}), done: make(chan struct{})}
	go p.loop()
	return p, nil
}

// add takes over c's socket: from now on the pool reads it.
func (p *rawPool) add(c *rawClient) error {
	tc, ok := c.conn.(*net.TCPConn)
	if !ok {
		return errors.New("not a TCP connection")
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return err
	}
	// A duplicate of the (non-blocking) socket, so that closing conn takes
	// it out of Go's poller but keeps it open.
	fd, derr := -1, error(nil)
	if err := rc.Control(func(s uintptr) { fd, derr = syscall.Dup(int(s)) }); err != nil {
		return err
	}
	if derr != nil {
		return derr
	}
	_ = tc.Close()
	c.conn, c.fd = nil, fd
	// Whatever arrived with the subscribe reply is parsed first.
	for {
		msg, ok, err := c.next()
		if err != nil {
			syscall.Close(fd)
			return err
		}
		if !ok {
			break
		}
		p.OnMessage(msg)
	}
	p.mu.Lock()
	p.clients[int32(fd)] = c
	p.mu.Unlock()
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP, Fd: int32(fd)}
	if err := syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_ADD, fd, &ev); err != nil {
		p.mu.Lock()
		delete(p.clients, int32(fd))
		p.mu.Unlock()
		syscall.Close(fd)
		return fmt.Errorf("epoll add: %w", err)
	}
	return nil
}

func (p *rawPool) loop() {
	defer close(p.done)
	events := make([]syscall.EpollEvent, 256)
	buf := make([]byte, 64<<10)
	for {
		select {
		case <-p.stop:
			return
		default:
		}
		n, err := syscall.EpollWait(p.epfd, events, 100)
		if err != nil {
			if err == syscall.EINTR {
				continue
			}
			p.OnEnd(fmt.Errorf("epoll wait: %w", err))
			return
		}
		for _, ev := range events[:n] {
			p.mu.Lock()
			c := p.clients[ev.Fd]
			p.mu.Unlock()
			if c == nil {
				continue
			}
			m, err := syscall.Read(c.fd, buf)
			if err == syscall.EAGAIN || err == syscall.EINTR {
				continue
			}
			if err != nil || m == 0 {
				if err == nil {
					err = errors.New("EOF")
				}
				p.end(c, err)
				continue
			}
			c.in = append(c.in, buf[:m]...)
			c.buf = c.in
			for {
				msg, ok, err := c.next()
				if err != nil {
					p.end(c, err)
					break
				}
				if !ok {
					break
				}
				p.OnMessage(msg)
			}
			c.compact()
		}
	}
}

// end forgets a connection that failed and reports why.
func (p *rawPool) end(c *rawClient, err error) {
	p.mu.Lock()
	_, ok := p.clients[int32(c.fd)]
	delete(p.clients, int32(c.fd))
	p.mu.Unlock()
	if !ok {
		return
	}
	_ = syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_DEL, c.fd, nil)
	syscall.Close(c.fd)
	p.OnEnd(err)
}

// Close stops reading and closes every connection.
func (p *rawPool) Close() {
	close(p.stop)
	<-p.done
	p.mu.Lock()
	for fd := range p.clients {
		syscall.Close(int(fd))
	}
	p.clients = nil
	p.mu.Unlock()
	syscall.Close(p.epfd)
}
