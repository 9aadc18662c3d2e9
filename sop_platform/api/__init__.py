"""HTTP: FastAPI routers and schemas, thin over core/, review/ and render/."""
