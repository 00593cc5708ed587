"""URLs of this part of the reviews app (filled as the part is built)."""

urlpatterns: list = []
