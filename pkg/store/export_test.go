package store

// Internals the external tests read.
var (
	SelectJobsByIDSQL   = selectJobsByIDSQL
	SelectRunsByKeySQL  = selectRunsByKeySQL
	PlanSettings        = planSettings
	JobHTMLURL          = jobHTMLURL
	JobRunURL           = jobRunURL
	DeliveryGUID        = deliveryGUID
	StepKeyID           = stepKeyID
	ErrStepKeyCollision = errStepKeyCollision
)
