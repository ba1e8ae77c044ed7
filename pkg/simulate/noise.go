package simulate

// Noise is what goes wrong between GitHub and the receiver, as rates in [0, 1].
type Noise struct {
	Duplicate float64 // a delivery arrives twice (same GUID)
	Reorder   float64 // a delivery is overtaken by up to five later ones
	Drop      float64 // a delivery never arrives; the fake API lists it as failed
}

// noiser applies Noise with its own random stream, so the world is the same with or
// without it.
type noiser struct {
	n    Noise
	r    rng
	held []held
}

type held struct {
	d     Delivery
	after int // deliveries still to pass before this one goes
	dup   bool
}

// apply turns the deliveries in emission order into the order they are sent, and the
// ones dropped. Held deliveries are released at the end of each batch, so nothing is held
// across a pause in a paced run.
func (z *noiser) apply(in []Delivery, c *Counts) (send, dropped []Delivery) {
	for _, d := range in {
		switch {
		case z.r.chance(z.n.Drop):
			dropped = append(dropped, d)
			c.Dropped++
			continue
		case z.r.chance(z.n.Reorder):
			z.held = append(z.held, held{d: d, after: 1 + z.r.IntN(5)})
			c.Reordered++
		default:
			send = z.pass(send, d)
		}
		if z.r.chance(z.n.Duplicate) {
			z.held = append(z.held, held{d: d, after: z.r.IntN(4), dup: true})
			c.Duplicates++
		}
	}
	for _, h := range z.held {
		send = append(send, h.d)
	}
	z.held = z.held[:0]
	return send, dropped
}

// pass sends d and releases held deliveries whose turn has come.
func (z *noiser) pass(send []Delivery, d Delivery) []Delivery {
	send = append(send, d)
	keep := z.held[:0]
	var due []Delivery
	for _, h := range z.held {
		if h.after--; h.after <= 0 {
			due = append(due, h.d)
		} else {
			keep = append(keep, h)
		}
	}
	z.held = keep
	return append(send, due...)
}
