"""How reads arrive: the cameras' HTTP API, the edge agent beside each camera, the vendor
endpoints, and imports of other systems' files."""
