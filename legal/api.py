"""JSON API of the legal app: the public stay calculator."""

from __future__ import annotations

from collections.abc import Sequence

from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from legal.selectors import RuleNotInForce, stay_calculation_get
from legal.stay import STAY_ERROR_MESSAGES, StayInputError, StayPeriod, stay_input_errors

MAX_STAYS = 200


class StayCalculatorThrottle(AnonRateThrottle):
    """The calculator is public and costs a simulation per call: bound it per client address."""

    scope = "stay_calculator"
    rate = "60/min"


class StayInputSerializer(serializers.Serializer):
    entry = serializers.DateField()
    exit = serializers.DateField(allow_null=True)


class StayCalculatorInputSerializer(serializers.Serializer):
    stays = StayInputSerializer(many=True, max_length=MAX_STAYS)
    on = serializers.DateField()


class StayCalculatorOutputSerializer(serializers.Serializer):
    days_used = serializers.IntegerField()
    days_remaining = serializers.IntegerField()
    latest_exit = serializers.DateField(allow_null=True)
    overstay_days = serializers.IntegerField()


def _field_errors(errors: Sequence[StayInputError]) -> dict:
    """The shape DRF gives item errors of a list field: `{"stays": {index: {field: [...]}}}`."""
    detail: dict = {}
    for error in errors:
        target = detail if error.index is None else detail.setdefault("stays", {}).setdefault(error.index, {})
        target.setdefault(error.field, []).append(error.message)
    return detail


class StayCalculatorApi(APIView):
    """`POST {"stays": [{"entry", "exit"}], "on"}` → days used, days left, latest exit, overstay.

    Anonymous by design: no authentication class, so no session and no CSRF check apply.
    """

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [StayCalculatorThrottle]

    def post(self, request: Request) -> Response:
        serializer = StayCalculatorInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        stays = [StayPeriod(entry=stay["entry"], exit=stay["exit"]) for stay in serializer.validated_data["stays"]]
        on = serializer.validated_data["on"]
        if errors := stay_input_errors(stays=stays, on=on):
            raise ValidationError(_field_errors(errors))
        try:
            calculation = stay_calculation_get(stays=stays, on=on)
        except RuleNotInForce as exc:
            raise ValidationError({"on": [str(STAY_ERROR_MESSAGES["no_rule"])]}) from exc
        return Response(StayCalculatorOutputSerializer(calculation.result).data)
