package simulate

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ciradar/ciradar/pkg/simulate/fakegithub"
)

// Options say where deliveries go and what goes wrong on the way.
type Options struct {
	Noise Noise
	// Deliver sends one delivery and returns the receiver's status code.
	Deliver func(ctx context.Context, d Delivery) (int, error)
	// Concurrency is the number of requests in flight; 1 sends strictly in order.
	Concurrency int
	// Hooks, when set, records every attempt and every drop, for the fake API.
	Hooks *fakegithub.HookLog
	// Secret signs the headers recorded in Hooks, so redeliveries verify.
	Secret string
	// BeforeSend is called just before each request, from the goroutine that sends it;
	// with Concurrency 1 the calls and requests are strictly sequential.
	BeforeSend func(Delivery)
	// Step is how much simulated time is rendered and sent as one batch when running fast.
	Step time.Duration
}

// Simulator plays a world forward and delivers what happens.
type Simulator struct {
	w    *World
	s    *sim
	opts Options
	z    noiser
	seq  int64

	mu     sync.Mutex
	counts Counts
}

// New starts the world's clock at its start; nothing happens until Run.
func New(w *World, opts Options) (*Simulator, error) {
	if opts.Deliver == nil {
		return nil, errors.New("simulate: no Deliver function")
	}
	if opts.Concurrency < 1 {
		opts.Concurrency = 1
	}
	if opts.Step <= 0 {
		opts.Step = 10 * time.Minute
	}
	return &Simulator{w: w, s: newSim(w), opts: opts, z: noiser{n: opts.Noise, r: newRNG(w.Seed, 3)}}, nil
}

// World is the simulated world.
func (x *Simulator) World() *World { return x.w }

// Now is the simulated time everything before has happened by.
func (x *Simulator) Now() time.Time {
	x.s.mu.RLock()
	defer x.s.mu.RUnlock()
	return x.s.now
}

// RunFast plays the world until until, sending as fast as the receiver accepts.
func (x *Simulator) RunFast(ctx context.Context, until time.Time) error {
	for x.Now().Before(until) {
		next := x.Now().Add(x.opts.Step)
		if next.After(until) {
			next = until
		}
		if err := x.step(ctx, next); err != nil {
			return err
		}
	}
	return nil
}

// RunPaced plays the world at speed simulated seconds per wall second, from the world's
// current time, until until (zero: until ctx ends).
func (x *Simulator) RunPaced(ctx context.Context, until time.Time, speed float64) error {
	if speed <= 0 {
		return fmt.Errorf("simulate: speed must be above 0, got %v", speed)
	}
	wall0, sim0 := time.Now(), x.Now()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		target := sim0.Add(time.Duration(speed * float64(time.Since(wall0))))
		if !until.IsZero() && !target.Before(until) {
			return x.step(ctx, until)
		}
		if err := x.step(ctx, target); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// step advances the world to until and delivers what happened, returning once every
// request of the batch has been answered.
func (x *Simulator) step(ctx context.Context, until time.Time) error {
	events := x.s.advance(until)
	batch := make([]Delivery, 0, len(events))
	for _, e := range events {
		body, err := Payload(e)
		if err != nil {
			return err
		}
		x.seq++
		d := Delivery{Seq: x.seq, GUID: guid(x.w.idBase, x.seq), Event: e.Kind, Action: e.Action,
			At: e.At, Org: e.Org, RepoID: e.Run.Repo().ID, Body: body}
		if e.Org.GitLab() {
			d.Forge = ForgeGitLab
			d.Event, d.Action = gitlabEvent(e)
			d.jobs = taggedJobs(e)
		}
		batch = append(batch, d)
	}
	x.mu.Lock()
	x.counts.Events += len(batch)
	send, dropped := x.z.apply(batch, &x.counts)
	x.mu.Unlock()
	x.s.noteTags(send)
	for _, d := range dropped {
		x.record(d, 0, 0, false)
	}
	return x.send(ctx, send)
}

func (x *Simulator) send(ctx context.Context, batch []Delivery) error {
	work := make(chan Delivery)
	var wg sync.WaitGroup
	for range x.opts.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for d := range work {
				x.deliver(ctx, d)
			}
		}()
	}
	defer func() {
		close(work)
		wg.Wait()
	}()
	for _, d := range batch {
		select {
		case work <- d:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

func (x *Simulator) deliver(ctx context.Context, d Delivery) {
	if x.opts.BeforeSend != nil {
		x.opts.BeforeSend(d)
	}
	start := time.Now()
	code, err := x.opts.Deliver(ctx, d)
	if err != nil {
		code = 0
	}
	x.mu.Lock()
	x.counts.Sent++
	if code < 200 || code > 299 {
		x.counts.Failed++
	}
	x.mu.Unlock()
	x.record(d, code, time.Since(start), false)
}

func (x *Simulator) record(d Delivery, code int, took time.Duration, redelivery bool) {
	if x.opts.Hooks == nil || d.Forge == ForgeGitLab { // GitHub's hook log: GitLab's hooks are not in it
		return
	}
	x.opts.Hooks.Record(fakegithub.HookDelivery{GUID: d.GUID, Event: d.Event, Action: d.Action, Org: d.Org.Name,
		HookID: d.Org.HookID, RepoID: d.RepoID, DeliveredAt: d.At, StatusCode: code, Duration: took,
		Redelivery: redelivery, Headers: d.Header(x.opts.Secret), Body: d.Body})
}

// Truth is the world's exact state now, with what happened to the deliveries.
func (x *Simulator) Truth() Truth {
	t := x.s.truth()
	x.mu.Lock()
	t.Deliveries = x.counts
	x.mu.Unlock()
	return t
}
