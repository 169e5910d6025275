package ui

// copyRoutes adds the copy pages.
func (h *Handler) copyRoutes() {}
