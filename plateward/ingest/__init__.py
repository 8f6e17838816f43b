"""How reads arrive: the cameras' HTTP API, the edge agent beside each camera, and imports."""
