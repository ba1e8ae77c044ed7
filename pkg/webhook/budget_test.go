package webhook

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestBudget(t *testing.T) {
	const total, reserve, small, maxBody = 100, 20, 10, 80
	cases := []struct {
		name    string
		held    []int64 // granted first, in order
		ask     int64
		wantErr bool
	}{
		{name: "a large body when empty", ask: 80},
		{name: "large bodies cannot take the reserve", held: []int64{50}, ask: 31, wantErr: true},
		{name: "large bodies up to the reserve", held: []int64{50}, ask: 30},
		{name: "a small body may use the reserve", held: []int64{80}, ask: 10},
		{name: "small bodies fill the reserve, then wait", held: []int64{80, 10, 10}, ask: 1, wantErr: true},
		{name: "small bodies alone may use it all", held: []int64{10, 10, 10, 10, 10, 10, 10, 10, 10}, ask: 10},
		{name: "nothing past the total", held: []int64{10, 10, 10, 10, 10, 10, 10, 10, 10, 10}, ask: 1, wantErr: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, err := NewBudget(total, reserve, small, maxBody)
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range c.held {
				if _, err := b.Acquire(context.Background(), n); err != nil {
					t.Fatalf("setup: acquire %d: %v", n, err)
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
			defer cancel()
			_, err = b.Acquire(ctx, c.ask)
			if (err != nil) != c.wantErr {
				t.Fatalf("acquire %d: err %v, want error %v", c.ask, err, c.wantErr)
			}
			if err != nil && !errors.Is(err, ErrOverBudget) {
				t.Fatalf("error %v is not ErrOverBudget", err)
			}
		})
	}
}

// A small grant that grows past the small size becomes large, and its bytes move out of
// the small share; releasing gives everything back, once.
func TestBudgetGrowAndRelease(t *testing.T) {
	b, err := NewBudget(100, 20, 10, 80)
	if err != nil {
		t.Fatal(err)
	}
	g, err := b.Acquire(context.Background(), 8)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Grow(context.Background(), 70); err != nil {
		t.Fatalf("grow to 78: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if err := g.Grow(ctx, 5); err == nil {
		t.Fatal("a large grant grew into the reserve")
	}
	g.Release()
	g.Release()
	if b.Used() != 0 {
		t.Fatalf("used %d after release, want 0", b.Used())
	}
	if p := b.TakePeak(); p != 78 {
		t.Fatalf("peak %d, want 78", p)
	}
}

// A waiter gets its bytes as soon as another grant is released.
func TestBudgetWaiterWakes(t *testing.T) {
	b, err := NewBudget(100, 20, 10, 80)
	if err != nil {
		t.Fatal(err)
	}
	g, err := b.Acquire(context.Background(), 80)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() {
		_, err := b.Acquire(context.Background(), 50)
		got <- err
	}()
	time.Sleep(10 * time.Millisecond)
	g.Release()
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the waiter was not woken by a release")
	}
}

func TestNewBudgetRefusesABudgetThatCannotHoldABody(t *testing.T) {
	if _, err := NewBudget(100, 30, 10, 80); err == nil {
		t.Fatal("accepted a budget whose unreserved part is smaller than the largest body")
	}
}
