package jupyter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"sync"
	"time"

	"github.com/go-zeromq/zmq4"
	"github.com/notmagic/notmagic/kernel/comm"
)

// Options configures a Kernel.
type Options struct {
	// Log receives the kernel's diagnostics (dropped messages, unknown types, failures). Nil: discarded.
	Log *log.Logger
	// Verbose also logs routine events (start, interrupts, shutdown, comms); problems are always logged.
	Verbose bool
	// HistoryFile, when not empty, keeps executed cells across kernel processes (JSON lines, appended).
	HistoryFile string
	// BeforeClose, when set, runs once as the kernel begins to close, while the interpreter session
	// still holds everything the cells made (notmagic kernel --memprofile writes the heap there).
	BeforeClose func()
	// newInterp creates the interpreter session; nil means kernel/session.
	newInterp func() (interpreter, error)
}

// Kernel is a running Jupyter kernel: five ZeroMQ sockets bound to the connection file's address and the
// interpreter session that runs the cells.
//
// Shell requests are read by one goroutine and handled in order by another (so queued requests can be
// aborted after an error); control and heartbeat each have their own goroutine, so interrupt, shutdown and
// heartbeat answer while a cell runs. Every socket has exactly one writer: iopub messages go through a
// channel to a single sender goroutine, the other sockets serialise their sends with a mutex.
type Kernel struct {
	ci      *ConnectionInfo
	signer  *Signer
	session string
	log     *log.Logger
	opts    Options

	shell, control, stdin *channel
	iopub, hb             zmq4.Socket

	iopubCh chan *Message
	shellCh chan *Message
	stdinCh chan *Message

	guardMu sync.Mutex
	guard   *replayGuard

	mu         sync.Mutex // guards cancelCell
	cancelCell context.CancelFunc

	// The interpreter session is built while the sockets start listening, so that kernel_info and
	// heartbeats answer at once; requests that run code wait for ready (see interpreter).
	ready     chan struct{}
	interp    interpreter // set before ready is closed
	interpErr error       // why the interpreter could not be built, if it could not

	parentMu  sync.Mutex
	curParent *Message // the shell message being handled: the parent of what cells publish on their own

	count   int // execution counter; touched only by the shell worker
	history *history

	ctx       context.Context
	stop      context.CancelFunc
	quit      chan struct{}
	quitOnce  sync.Once
	closeOnce sync.Once
	restart   bool
	wg        sync.WaitGroup // socket goroutines
	iopubWG   sync.WaitGroup
	workerWG  sync.WaitGroup
}

// logWriterOf returns the writer behind l.
func logWriterOf(l *log.Logger) io.Writer { return l.Writer() }

// channel is a ROUTER socket with serialised sends.
type channel struct {
	name string
	sock zmq4.Socket
	mu   sync.Mutex
}

// New binds the kernel's sockets to the addresses of ci and starts its goroutines. The kernel publishes
// status "starting" once. Call Wait to block until a shutdown_request, and Close to stop it.
//
// The interpreter session is built in the background: kernel_info and heartbeats answer at once, and
// cells wait for it. If it cannot be built, the kernel stops by itself (Wait returns) and Err says why.
func New(ci *ConnectionInfo, opts Options) (*Kernel, error) {
	logger := opts.Log
	if logger == nil {
		logger = log.New(io.Discard, "", 0)
	}
	k := &Kernel{
		ci:      ci,
		signer:  NewSigner([]byte(ci.Key)),
		session: newID(),
		log:     logger,
		opts:    opts,
		iopubCh: make(chan *Message, 1024),
		shellCh: make(chan *Message, 256),
		stdinCh: make(chan *Message, 8),
		guard:   newReplayGuard(1 << 14),
		quit:    make(chan struct{}),
	}
	h, err := openHistory(opts.HistoryFile)
	if err != nil {
		return nil, err
	}
	k.history = h
	newInterp := opts.newInterp
	if newInterp == nil {
		newInterp = newSession
	}
	k.opts.newInterp = newInterp
	k.ready = make(chan struct{})
	go func() {
		defer close(k.ready)
		if k.interp, k.interpErr = newInterp(); k.interpErr != nil {
			k.requestQuit(false) // Wait returns; Err says why
		}
	}()
	k.ctx, k.stop = context.WithCancel(context.Background())
	zlog := zmq4.WithLogger(log.New(logWriterOf(logger), "zmq4: ", 0))
	// zmq4's ROUTER Send waits for a first peer up to the socket timeout (5 min by default): a frontend
	// that allows stdin but never connected its stdin socket must not block a cell that long.
	rtimeout := zmq4.WithTimeout(5 * time.Second)
	k.shell = &channel{name: "shell", sock: zmq4.NewRouter(k.ctx, zlog, rtimeout)}
	k.control = &channel{name: "control", sock: zmq4.NewRouter(k.ctx, zlog, rtimeout)}
	k.stdin = &channel{name: "stdin", sock: zmq4.NewRouter(k.ctx, zlog, rtimeout)}
	k.iopub = zmq4.NewPub(k.ctx, zlog)
	k.hb = zmq4.NewRep(k.ctx, zlog)
	binds := []struct {
		s    zmq4.Socket
		port int
		name string
	}{
		{k.shell.sock, ci.ShellPort, "shell"}, {k.control.sock, ci.ControlPort, "control"},
		{k.stdin.sock, ci.StdinPort, "stdin"}, {k.iopub, ci.IOPubPort, "iopub"}, {k.hb, ci.HBPort, "heartbeat"},
	}
	for _, b := range binds {
		if err := b.s.Listen(batchedEndpoint(ci.Endpoint(b.port))); err != nil {
			k.stop()
			k.closeSockets()
			if <-k.ready; k.interp != nil {
				k.interp.Close()
			}
			return nil, fmt.Errorf("%s socket: %w", b.name, err)
		}
	}
	k.iopubWG.Add(1)
	go k.iopubLoop()
	k.wg.Add(4)
	go k.shellReader()
	go k.controlLoop()
	go k.stdinReader()
	go k.heartbeatLoop()
	k.workerWG.Add(1)
	go k.shellWorker()
	comm.SetTransport(commTransport{k})
	k.publish("status", map[string]any{"execution_state": "starting"}, nil)
	return k, nil
}

// infof logs a routine event when the kernel is verbose.
func (k *Kernel) infof(format string, args ...any) {
	if k.opts.Verbose {
		k.log.Printf(format, args...)
	}
}

// Session returns the kernel's session id (the "session" field of the headers it sends).
func (k *Kernel) Session() string { return k.session }

// Done is closed when the kernel received a shutdown_request (or Shutdown was called).
func (k *Kernel) Done() <-chan struct{} { return k.quit }

// Wait blocks until the kernel is asked to shut down, then closes it. It reports whether the shutdown
// precedes a restart (the client will start a new kernel process).
func (k *Kernel) Wait() (restart bool) {
	<-k.quit
	k.Close()
	return k.restart
}

// Shutdown asks the kernel to stop, as a shutdown_request without restart would.
func (k *Kernel) Shutdown() { k.requestQuit(false) }

// Interrupt interrupts the running cell, if any (as an interrupt_request or SIGINT does).
func (k *Kernel) Interrupt() {
	k.mu.Lock()
	cancel := k.cancelCell
	k.mu.Unlock()
	if cancel != nil {
		k.infof("interrupting the running cell")
		cancel()
	}
}

func (k *Kernel) requestQuit(restart bool) {
	k.quitOnce.Do(func() {
		k.restart = restart
		close(k.quit)
	})
}

// Close stops the kernel: it interrupts a running cell, flushes iopub, closes the sockets and the
// interpreter. It is safe to call more than once.
func (k *Kernel) Close() error {
	var err error
	k.closeOnce.Do(func() {
		if k.opts.BeforeClose != nil {
			k.opts.BeforeClose()
		}
		k.requestQuit(k.restart)
		if t, ok := comm.SetTransport(nil).(commTransport); ok && t.k != k {
			comm.SetTransport(t) // another kernel of this process installed its own since
		}
		k.Interrupt()
		k.iopubWG.Wait() // drains what was queued before quit
		// zmq4's PUB socket sends from its own queue: give it a moment to put the last messages on the wire.
		time.Sleep(30 * time.Millisecond)
		k.stop()
		k.closeSockets()
		k.wg.Wait()
		done := make(chan struct{})
		go func() { k.workerWG.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(2 * time.Second):
			k.log.Printf("the running cell did not stop within 2s of the shutdown; closing anyway")
		}
		if <-k.ready; k.interp != nil {
			err = k.interp.Close()
		}
		k.history.close()
	})
	return err
}

// interpreter waits until the interpreter session is built and returns it, or why it could not be.
func (k *Kernel) interpreter() (interpreter, error) {
	<-k.ready
	if k.interpErr != nil {
		return nil, fmt.Errorf("the interpreter did not start: %w", k.interpErr)
	}
	return k.interp, nil
}

// Err says why the kernel stopped on its own: its interpreter could not be built. Nil otherwise.
func (k *Kernel) Err() error {
	select {
	case <-k.ready:
		if k.interpErr != nil {
			return fmt.Errorf("interpreter: %w", k.interpErr)
		}
	default:
	}
	return nil
}

func (k *Kernel) closeSockets() {
	for _, s := range []zmq4.Socket{k.shell.sock, k.control.sock, k.stdin.sock, k.iopub, k.hb} {
		if s != nil {
			s.Close()
		}
	}
}

// recv reads and verifies the next message of ch. It returns an error only when the socket is closed;
// malformed, unsigned or replayed messages are logged and skipped.
func (k *Kernel) recv(ch *channel) (*Message, error) {
	for {
		zm, err := ch.sock.Recv()
		if err != nil {
			return nil, err
		}
		m, err := ParseMessage(zm.Frames, k.signer)
		if err != nil {
			k.log.Printf("%s: dropped a message: %v", ch.name, err)
			continue
		}
		if k.signer.Enabled() {
			k.guardMu.Lock()
			fresh := k.guard.fresh(signatureOf(zm.Frames))
			k.guardMu.Unlock()
			if !fresh {
				k.log.Printf("%s: dropped a replayed message (duplicate signature) %s", ch.name, m.Header.MsgType)
				continue
			}
		}
		return m, nil
	}
}

// send signs and sends m on ch.
func (k *Kernel) send(ch *channel, m *Message) {
	frames, err := m.Frames(k.signer)
	if err != nil {
		k.log.Printf("%s: cannot encode %s: %v", ch.name, m.Header.MsgType, err)
		return
	}
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if err := ch.sock.Send(zmq4.NewMsgFrom(frames...)); err != nil {
		select {
		case <-k.ctx.Done():
		default:
			k.log.Printf("%s: send %s: %v", ch.name, m.Header.MsgType, err)
		}
	}
}

// newMessage builds a message of msgType answering parent (nil: no parent) with content.
func (k *Kernel) newMessage(msgType string, content any, parent *Message) (*Message, error) {
	c, err := json.Marshal(content)
	if err != nil {
		return nil, fmt.Errorf("encode %s content: %w", msgType, err)
	}
	h, err := json.Marshal(NewHeader(msgType, k.session))
	if err != nil {
		return nil, err
	}
	m := &Message{RawHeader: h, Content: c}
	m.Header.MsgType = msgType
	if parent != nil {
		m.ParentHeader = parent.RawHeader
	}
	return m, nil
}

// reply sends a reply of msgType with content to req on ch (same identities).
func (k *Kernel) reply(ch *channel, req *Message, msgType string, content any) {
	m, err := k.newMessage(msgType, content, req)
	if err != nil {
		k.log.Printf("%s: %v", ch.name, err)
		return
	}
	m.Identities = req.Identities
	k.send(ch, m)
}

// publish queues an iopub message; it is sent in order by the iopub goroutine.
func (k *Kernel) publish(msgType string, content any, parent *Message) {
	k.publishBuffers(msgType, content, nil, nil, parent)
}

// publishBuffers publishes a message with metadata and binary buffers (comm messages carry both).
func (k *Kernel) publishBuffers(msgType string, content any, metadata map[string]any, buffers [][]byte, parent *Message) {
	m, err := k.newMessage(msgType, content, parent)
	if err != nil {
		k.log.Printf("iopub: %v", err)
		return
	}
	if len(metadata) > 0 {
		if m.Metadata, err = json.Marshal(metadata); err != nil {
			k.log.Printf("iopub: %s metadata: %v", msgType, err)
			return
		}
	}
	m.Buffers = buffers
	m.Identities = [][]byte{[]byte("kernel." + k.session + "." + msgType)}
	select {
	case k.iopubCh <- m:
	case <-k.quit:
		// shutting down: the sender drains what is queued; later messages are dropped.
		select {
		case k.iopubCh <- m:
		default:
		}
	}
}

func (k *Kernel) status(state string, parent *Message) {
	k.publish("status", map[string]any{"execution_state": state}, parent)
}

func (k *Kernel) iopubLoop() {
	defer k.iopubWG.Done()
	sendOne := func(m *Message) {
		frames, err := m.Frames(k.signer)
		if err != nil {
			k.log.Printf("iopub: %v", err)
			return
		}
		if err := k.iopub.Send(zmq4.NewMsgFrom(frames...)); err != nil {
			k.log.Printf("iopub: send %s: %v", m.Header.MsgType, err)
		}
	}
	for {
		select {
		case m := <-k.iopubCh:
			sendOne(m)
		case <-k.quit:
			for {
				select {
				case m := <-k.iopubCh:
					sendOne(m)
				default:
					return
				}
			}
		}
	}
}

func (k *Kernel) shellReader() {
	defer k.wg.Done()
	for {
		m, err := k.recv(k.shell)
		if err != nil {
			return
		}
		select {
		case k.shellCh <- m:
		case <-k.quit:
			return
		}
	}
}

func (k *Kernel) shellWorker() {
	defer k.workerWG.Done()
	for {
		select {
		case m := <-k.shellCh:
			k.handle(k.shell, m)
		case <-k.quit:
			return
		}
	}
}

func (k *Kernel) controlLoop() {
	defer k.wg.Done()
	for {
		m, err := k.recv(k.control)
		if err != nil {
			return
		}
		k.handle(k.control, m)
	}
}

func (k *Kernel) stdinReader() {
	defer k.wg.Done()
	for {
		m, err := k.recv(k.stdin)
		if err != nil {
			return
		}
		if m.Header.MsgType != "input_reply" {
			k.log.Printf("stdin: ignored a %s message", m.Header.MsgType)
			continue
		}
		select {
		case k.stdinCh <- m:
		default:
			k.log.Printf("stdin: dropped an input_reply nobody waits for")
		}
	}
}

func (k *Kernel) heartbeatLoop() {
	defer k.wg.Done()
	for {
		m, err := k.hb.Recv()
		if err != nil {
			if errors.Is(err, context.Canceled) || k.ctx.Err() != nil {
				return
			}
			select {
			case <-k.quit:
				return
			default:
			}
			k.log.Printf("heartbeat: %v", err)
			time.Sleep(10 * time.Millisecond)
			continue
		}
		if err := k.hb.Send(m); err != nil && k.ctx.Err() == nil {
			k.log.Printf("heartbeat: %v", err)
		}
	}
}

func (k *Kernel) setParent(m *Message) { k.parentMu.Lock(); k.curParent = m; k.parentMu.Unlock() }

// currentParent returns the shell message being (or last) handled.
func (k *Kernel) currentParent() *Message {
	k.parentMu.Lock()
	defer k.parentMu.Unlock()
	return k.curParent
}
