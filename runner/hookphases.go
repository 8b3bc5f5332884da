package runner

// plan is a placeholder until hook discovery lands.
type plan struct{}

func (c *container) check() int                    { return 0 }
func (c *container) loadHooks() (*plan, int, bool) { return &plan{}, 0, true }
func (c *container) preStart(p *plan) (int, bool)  { return 0, true }
func (c *container) startBackground(p *plan)       {}
func (c *container) startPostStart(p *plan)        {}
