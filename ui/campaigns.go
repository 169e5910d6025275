package ui

// campaignRoutes adds the campaigns pages.
func (h *Handler) campaignRoutes() {}
