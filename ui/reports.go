package ui

// reportRoutes adds the reports pages.
func (h *Handler) reportRoutes() {}
