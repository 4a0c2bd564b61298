"""The wishlist (issue 18): things a person wants (photo, link, price, notes), each shown with the most
similar items they own already."""
