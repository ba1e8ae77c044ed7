package gitlabapi

import (
	"context"
	"fmt"
	"time"

	"github.com/ciradar/ciradar/pkg/store"
	gitlab "gitlab.com/gitlab-org/api/client-go/v2"
)

// Writer stores items (the store itself, or its group committer).
type Writer interface {
	Write(ctx context.Context, items []store.Item) (store.WriteResult, error)
}

// Checkpoints keep each project's position: the newest pipeline update already repaired.
type Checkpoints interface {
	Checkpoint(ctx context.Context, name string) (pos int64, at time.Time, ok bool, err error)
	SetCheckpoint(ctx context.Context, name string, pos int64, at time.Time) error
}

// Result says what one repair of one project did.
type Result struct {
	Pipelines, Jobs int // repaired (fetched and new since the checkpoint)
	Stored          int // deliveries new to the log (the others were already there)
	Calls           int64
}

// Repair fetches the pipelines of project (its full path, e.g. "group/sub/app") updated
// since its checkpoint (or since first, the first time), and every job of each, and writes
// them. The checkpoint moves to the newest update seen. A pipeline listed again with an
// update no newer than the checkpoint (updated_after may include its bound) was repaired
// already, so its jobs are not fetched again: an idle project costs one request, the list.
func (c *Client) Repair(ctx context.Context, w Writer, cp Checkpoints, project string, first, now time.Time) (Result, error) {
	before := c.Calls()
	name := "gitlab:pipelines:" + c.base + ":" + project
	_, since, ok, err := cp.Checkpoint(ctx, name)
	if err != nil {
		return Result{}, fmt.Errorf("repair %s: %w", project, err)
	}
	if !ok {
		since = first
	}
	pipelines, err := c.pipelinesSince(ctx, project, since)
	if err != nil {
		return Result{}, fmt.Errorf("repair %s: %w", project, err)
	}
	var res Result
	newest := since
	var items []store.Item
	for _, p := range pipelines {
		if ok && p.UpdatedAt != nil && !p.UpdatedAt.After(since) {
			continue
		}
		jobs, err := c.jobsOf(ctx, project, p.ID)
		if err != nil {
			return Result{}, fmt.Errorf("repair %s pipeline %d: %w", project, p.ID, err)
		}
		res.Pipelines++
		res.Jobs += len(jobs)
		it, err := c.pipelineItem(project, p, now)
		if err != nil {
			return Result{}, err
		}
		items = append(items, it)
		for _, j := range jobs {
			it, err := c.jobItem(project, p, j, now)
			if err != nil {
				return Result{}, err
			}
			items = append(items, it)
		}
		if p.UpdatedAt != nil && p.UpdatedAt.After(newest) {
			newest = *p.UpdatedAt
		}
	}
	if len(items) > 0 {
		wr, err := w.Write(ctx, items)
		if err != nil {
			return Result{}, fmt.Errorf("repair %s: %w", project, err)
		}
		res.Stored = wr.Stored
	}
	if err := cp.SetCheckpoint(ctx, name, 0, newest); err != nil {
		return Result{}, fmt.Errorf("repair %s: %w", project, err)
	}
	res.Calls = c.Calls() - before
	return res, nil
}

func (c *Client) pipelinesSince(ctx context.Context, project string, since time.Time) ([]*gitlab.PipelineInfo, error) {
	opt := &gitlab.ListProjectPipelinesOptions{ListOptions: gitlab.ListOptions{PerPage: c.pageSize, Page: 1},
		UpdatedAfter: &since, OrderBy: gitlab.Ptr("updated_at"), Sort: gitlab.Ptr("asc")}
	var out []*gitlab.PipelineInfo
	for {
		page, resp, err := c.gl.Pipelines.ListProjectPipelines(project, opt, gitlab.WithContext(ctx))
		if err != nil {
			return nil, fmt.Errorf("list pipelines: %w", err)
		}
		out = append(out, page...)
		if resp.NextPage == 0 {
			return out, nil
		}
		opt.Page = resp.NextPage
	}
}

func (c *Client) jobsOf(ctx context.Context, project string, pipeline int64) ([]*gitlab.Job, error) {
	opt := &gitlab.ListJobsOptions{ListOptions: gitlab.ListOptions{PerPage: c.pageSize, Page: 1}, IncludeRetried: gitlab.Ptr(true)}
	var out []*gitlab.Job
	for {
		page, resp, err := c.gl.Jobs.ListPipelineJobs(project, pipeline, opt, gitlab.WithContext(ctx))
		if err != nil {
			return nil, fmt.Errorf("list jobs: %w", err)
		}
		out = append(out, page...)
		if resp.NextPage == 0 {
			return out, nil
		}
		opt.Page = resp.NextPage
	}
}
