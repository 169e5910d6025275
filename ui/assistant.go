package ui

// assistantRoutes adds the assistant pages.
func (h *Handler) assistantRoutes() {}
