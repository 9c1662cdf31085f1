"""The dashboard's routes: pages and sign-in. None is in the OpenAPI document; all call the services."""

from fastapi import APIRouter

from app.web.routes import deal, portfolio, rulesets, signin

router = APIRouter(include_in_schema=False)
for module in (signin, portfolio, deal, rulesets):
    router.include_router(module.router)
