"""A person's history in Russia: trips, registrations, patents and their payments, contracts, permits.

The second half of the person builder (`generator._PersonBuilder`), as a mixin like
`records.SystemRecords`: it reads the builder's identity (category, region, names, documents) and
draws from its random stream, and every event it decides goes out through a record of the system that
would report it.

The rules followed are those of DOMAIN.md: a patent is applied for within 30 days of entry, valid in its
region only and for at most 12 months from issue, extended by monthly advance payments (НК 227.1) and
ended by a missed one; EAEU citizens work on a contract without a patent (Treaty art. 97); visa
nationals need a work permit; a registration at the place of stay is replaced by the next one or closed
on departure; an RVP lasts three years, a VNZh issued since 01.11.2019 is indefinite.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from itertools import pairwise

from profiles.demo import places
from profiles.demo.bundle import DemoContract, DemoDocument, DemoPayment, DemoPermit, DemoRegistration
from profiles.demo.draws import add_months, add_years, day_between, draw_choice, draw_int, draw_weighted
from profiles.demo.organizations import employer_for, organization, russian_host_name, street_address
from profiles.demo.world import AS_OF, HISTORY_START, scatter
from profiles.names import normalize_document_number

_WORKERS = {"patent", "eaeu_worker", "visa_worker"}
# Months paid at once: mostly one, often a quarter (fewer trips to the bank), rarely a year.
_PAYMENT_MONTHS = ((1, 45), (2, 10), (3, 30), (6, 11), (12, 4))


class StayHistory:
    """Trips, registrations, permits, payments and contracts of the person being built."""

    # -- time line --------------------------------------------------------------------------------

    def _trips(self) -> list[tuple[dt.date, dt.date | None]]:
        """Stays in Russia, oldest first: (entry, exit or None while still in Russia)."""
        rng = self.rng
        category = self.category
        household = self.household
        last_possible_entry = AS_OF - dt.timedelta(days=10)
        if category == "student":
            return self._study_trips()
        if category in ("rvp", "vnzh"):
            entry = AS_OF - dt.timedelta(days=draw_int(rng, 700, 2500))
            trips: list[tuple[dt.date, dt.date | None]] = [(entry, None)]
            if rng.random() < 0.5:
                away = day_between(
                    rng, max(entry + dt.timedelta(days=200), HISTORY_START), AS_OF - dt.timedelta(days=60)
                )
                back = away + dt.timedelta(days=draw_int(rng, 7, 45))
                trips = [(entry, away), (min(back, last_possible_entry), None)]
            return trips
        if category == "child":
            assert household is not None
            return [(max(household.arrival, self.birth_date + dt.timedelta(days=30)), None)]
        if category == "visitor":
            present, length_range, gap_range, more = 0.35, (7, 85), (30, 300), 0.35
        else:
            present, length_range, gap_range, more = 0.8, (40, 420), (15, 120), 0.5
        if household and household.kind != "twins" and rng.random() < 0.7:
            present = 1.0
        trips = []
        if rng.random() < present:
            entry = AS_OF - dt.timedelta(days=draw_int(rng, length_range[0] // 2 + 10, length_range[1]))
            if household:
                entry = household.arrival - dt.timedelta(days=draw_int(rng, 0, 3))
            trips.append((min(entry, last_possible_entry), None))
        else:
            exit_ = AS_OF - dt.timedelta(days=draw_int(rng, 3, 200))
            entry = exit_ - dt.timedelta(days=draw_int(rng, *length_range))
            trips.append((entry, exit_))
        while rng.random() < more:
            earliest_entry = trips[0][0]
            exit_ = earliest_entry - dt.timedelta(days=draw_int(rng, *gap_range))
            entry = exit_ - dt.timedelta(days=draw_int(rng, *length_range))
            if entry < HISTORY_START:
                break
            trips.insert(0, (entry, exit_))
        return trips

    def _study_trips(self) -> list[tuple[dt.date, dt.date | None]]:
        """Academic years from late August; some go home for the summer; graduates leave in July."""
        rng = self.rng
        first_year = draw_int(rng, AS_OF.year - 4, AS_OF.year)
        self.study_until = dt.date(first_year + draw_choice(rng, (2, 4, 4, 5)), 7, 31)
        trips: list[tuple[dt.date, dt.date | None]] = []
        entry = dt.date(first_year, 8, draw_int(rng, 15, 31))
        year = first_year + 1
        while True:
            summer = dt.date(year, 7, draw_int(rng, 1, 20))
            if summer >= AS_OF:
                trips.append((entry, None))
                return trips
            if year >= self.study_until.year:
                trips.append((entry, summer))
                return trips
            if rng.random() < 0.6:
                trips.append((entry, summer))
                entry = dt.date(year, 8, draw_int(rng, 15, 31))
            year += 1

    # -- the history: trips, registrations, permits, payments, contracts -------------------------------

    def _history(self) -> None:
        category = self.category
        purpose = {
            "patent": "work",
            "eaeu_worker": "work",
            "visa_worker": "work",
            "student": "study",
        }.get(category, "private")
        if category == "visitor" and self.rng.random() < 0.3:
            purpose = "tourism"
        if category == "visa_worker" and self.rng.random() < 0.2:
            purpose = "business"
        crossings_recorded = self.names.iso3 != "BLR"  # no border control between Russia and Belarus
        residence_permit = self._residence() if category in ("rvp", "vnzh") else None
        registrations: list[DemoRegistration] = []
        for number, (entry, exit_) in enumerate(self.trips):
            last_trip = number == len(self.trips) - 1
            if crossings_recorded:
                record = self._border(entry, "entry", purpose)
                if category == "visa_worker":
                    self._visa(entry, record)
            limit = min(exit_ or AS_OF, AS_OF)
            trip_registrations = self._trip_registrations(entry, exit_, purpose, residence_permit)
            if category == "patent":
                self._patents(entry, exit_, limit, trip_registrations)
            elif category in ("eaeu_worker", "visa_worker"):
                self._contract_permits(entry, exit_, limit, trip_registrations)
            elif category in ("rvp", "vnzh") and self.rng.random() < 0.5:
                self._contracts(entry + dt.timedelta(days=draw_int(self.rng, 10, 90)), exit_, limit, None, "")
            self._close_registrations(trip_registrations, exit_, last_trip)
            registrations.extend(trip_registrations)
            if exit_ is not None and crossings_recorded:
                self._border(exit_, "exit", purpose)
        for registration in registrations:
            host_name = registration.host_person_name
            host_inn = ""
            if registration.host_organization is not None:
                host = organization(self.seed, registration.host_organization)
                host_name, host_inn = host.name, host.inn
            registration.record = self._migreg(registration, host_name=host_name, host_inn=host_inn)
            self.bundle.registrations.append(registration)
            if category == "student" and registration is registrations[0]:
                self.bundle.permits.append(
                    DemoPermit(
                        registration.record,
                        "student",
                        "",
                        registration.region,
                        "",
                        registration.valid_from,
                        registration.valid_from,
                        max(self.study_until, registration.valid_from),
                        "valid",
                    )
                )

    def _host(self) -> tuple[int | None, str]:
        rng = self.rng
        if self.category == "student":
            return self.university, ""
        share = 0.55 if self.category in _WORKERS else 0.1
        if rng.random() < share:
            return employer_for(rng, self.index, self.region), ""
        return None, russian_host_name(rng)

    def _trip_registrations(
        self, entry: dt.date, exit_: dt.date | None, purpose: str, residence_permit: DemoPermit | None
    ) -> list[DemoRegistration]:
        rng = self.rng
        arrived = min(entry + dt.timedelta(days=draw_int(rng, 0, 2)), AS_OF)
        if exit_ is not None:
            arrived = min(arrived, exit_)
        household = self.household
        if household and exit_ is None:
            host_organization, host_person_name = household.host_organization, household.host_person_name
            address = household.address
        else:
            host_organization, host_person_name = self._host()
            address = street_address(rng, self.region, flat=host_organization is None or rng.random() < 0.5)
        if residence_permit is not None and residence_permit.valid_to is not None:
            valid_to = max(residence_permit.valid_to, arrived)
        elif residence_permit is not None:
            valid_to = arrived + dt.timedelta(days=5 * 365)
        elif self.category == "student":
            valid_to = max(self.study_until, arrived)
        elif self.category in ("eaeu_worker", "visa_worker"):
            valid_to = arrived + dt.timedelta(days=364)
        else:
            valid_to = entry + dt.timedelta(days=89)
        registration = DemoRegistration(
            record=-1,
            region=self.region,
            address=address,
            host_organization=host_organization,
            host_person_name=host_person_name,
            purpose=purpose,
            arrived_on=arrived,
            valid_from=arrived,
            valid_to=valid_to,
            closed_on=None,
        )
        registrations = [registration]
        # A move within the region during a long stay: the new registration replaces the old one.
        end = min(exit_ or AS_OF, AS_OF)
        if (end - arrived).days > 120 and rng.random() < 0.15 and not household:
            moved = day_between(rng, arrived + dt.timedelta(days=30), end - dt.timedelta(days=10))
            host_organization, host_person_name = self._host()
            registrations.append(
                DemoRegistration(
                    record=-1,
                    region=self.region,
                    address=street_address(rng, self.region, flat=host_organization is None),
                    host_organization=host_organization,
                    host_person_name=host_person_name,
                    purpose=purpose,
                    arrived_on=moved,
                    valid_from=moved,
                    valid_to=max(registration.valid_to, moved),
                    closed_on=None,
                )
            )
        return registrations

    def _permit_number(self, issued: dt.date, *, salt: int) -> str:
        """`77 №2512345678`: the region as series, then the year and eight digits unique per kind."""
        digits = scatter(self.index * 16 + len(self.bundle.permits), 10**8, salt)
        return f"{self.region} №{issued.year % 100:02d}{digits:08d}"

    def _extend_registration(
        self, registrations: list[DemoRegistration], day: dt.date, valid_to: dt.date, limit: dt.date
    ) -> None:
        """The host re-registers the worker until the permit's end (a new notification replaces the old)."""
        last = registrations[-1]
        if day <= last.valid_from or day > limit:
            return
        registrations.append(
            DemoRegistration(
                record=-1,
                region=last.region,
                address=last.address,
                host_organization=last.host_organization,
                host_person_name=last.host_person_name,
                purpose=last.purpose,
                arrived_on=last.arrived_on,
                valid_from=day,
                valid_to=max(valid_to, day),
                closed_on=None,
            )
        )

    def _close_registrations(
        self, registrations: list[DemoRegistration], exit_: dt.date | None, last_trip: bool
    ) -> None:
        registrations.sort(key=lambda r: r.valid_from)
        for current, following in pairwise(registrations):
            current.closed_on = following.valid_from
        final = registrations[-1]
        if exit_ is not None and (not last_trip or self.rng.random() < 0.6):
            # Departure notified (a right of an ordinary host, not a duty: 109-FZ art. 23).
            final.closed_on = max(exit_, final.valid_from)

    def _patents(
        self, entry: dt.date, exit_: dt.date | None, limit: dt.date, registrations: list[DemoRegistration]
    ) -> None:
        rng = self.rng
        late = rng.random() < 0.06
        issued = entry + dt.timedelta(days=draw_int(rng, 31, 60) if late else draw_int(rng, 12, 30))
        while issued <= limit:
            hard_end = add_months(issued, 12) - dt.timedelta(days=1)
            if self.tax_id == "":
                self._fns_registration(min(issued + dt.timedelta(days=draw_int(rng, 3, 25)), AS_OF))
            number = self._permit_number(issued, salt=4_242_421)
            permit = DemoPermit(
                record=-1,
                kind="patent",
                number=number,
                region=self.region,
                profession=draw_choice(rng, places.PROFESSIONS),
                issued_on=issued,
                valid_from=issued,
                valid_to=None,
                status="annulled" if rng.random() < 0.01 else "valid",
            )
            permit.record = self._patent_record(permit, kind_ru="ПАТЕНТ")
            permit_index = len(self.bundle.permits)
            self.bundle.permits.append(permit)
            paid_until = self._payments(permit, permit_index, hard_end, limit)
            permit.valid_to = paid_until
            self._extend_registration(registrations, issued + dt.timedelta(days=draw_int(rng, 1, 10)), hard_end, limit)
            if rng.random() < 0.85:
                self._contracts(
                    issued + dt.timedelta(days=draw_int(rng, 0, 45)), exit_, min(limit, hard_end), None, number
                )
            if paid_until < hard_end:
                if paid_until < limit:
                    self.tags.append("patent_lapsed")
                break
            # Reissued for the next 12 months while still in Russia (DOMAIN.md P7).
            issued = hard_end + dt.timedelta(days=1) - dt.timedelta(days=draw_int(rng, 0, 7))

    def _payments(self, permit: DemoPermit, permit_index: int, hard_end: dt.date, limit: dt.date) -> dt.date:
        """Monthly fixed advance payments (НК 227.1) until the person leaves, lapses or reaches 12 months."""
        rng = self.rng
        lapses_after = draw_int(rng, 1, 8) if rng.random() < 0.1 else None
        period_from = permit.issued_on
        paid_on = permit.issued_on - dt.timedelta(days=draw_int(rng, 2, 10))
        paid_until = permit.issued_on
        count = 0
        while True:
            months = draw_weighted(rng, _PAYMENT_MONTHS)
            months = max(1, min(months, _months_left(period_from, hard_end)))
            paid_until = min(add_months(period_from, months) - dt.timedelta(days=1), hard_end)
            coefficient = places.REGIONS[permit.region or self.region].patent_coefficient
            deflator = places.NDFL_DEFLATOR.get(period_from.year, places.NDFL_DEFLATOR[2026])
            monthly = Decimal(round(1200 * deflator * coefficient))
            receipt = f"1821{scatter(self.index * 128 + len(self.bundle.payments), 10**16, 8_675_309 + self.seed):016d}"
            payment = DemoPayment(
                record=-1,
                permit=permit_index,
                paid_on=paid_on,
                amount=monthly * months,
                months=months,
                period_from=period_from,
                paid_until=paid_until,
                receipt_number=receipt,
            )
            payment.record = self._fns_payment(payment, permit)
            self.bundle.payments.append(payment)
            count += 1
            if paid_until >= hard_end or (lapses_after is not None and count >= lapses_after):
                return paid_until
            period_from = paid_until + dt.timedelta(days=1)
            # Paid a few days before the paid period ends; rarely a day or two late (not forgiven: P4).
            if rng.random() < 0.02:
                paid_on = paid_until + dt.timedelta(days=draw_int(rng, 1, 3))
            else:
                paid_on = paid_until - dt.timedelta(days=draw_int(rng, 0, 12))
            if paid_on > limit:
                return paid_until

    def _contracts(
        self,
        concluded: dt.date,
        exit_: dt.date | None,
        limit: dt.date,
        eaeu: list[DemoPermit] | None,
        permit_number: str,
    ) -> None:
        """Employment with one employer, sometimes a change of employer; notices on both ends."""
        rng = self.rng
        while concluded <= limit:
            starts = concluded + dt.timedelta(days=draw_int(rng, 0, 3))
            kind = "civil" if rng.random() < 0.15 else "labor"
            if kind == "civil":
                ends: dt.date | None = starts + dt.timedelta(days=draw_int(rng, 90, 365))
            elif rng.random() < 0.5 or self.category == "visa_worker":
                ends = None
            else:
                ends = starts + dt.timedelta(days=draw_int(rng, 180, 730))
            terminated: dt.date | None = None
            if exit_ is not None and (ends is None or exit_ < ends):
                terminated = max(concluded, exit_ - dt.timedelta(days=draw_int(rng, 0, 14)))
            if rng.random() < 0.15:
                change = concluded + dt.timedelta(days=draw_int(rng, 30, 200))
                if change < (terminated or limit) and change <= AS_OF:
                    terminated = change
            if terminated is not None and terminated > AS_OF:
                terminated = None
            position = draw_choice(
                rng, places.SKILLED_POSITIONS if self.category == "visa_worker" else places.PROFESSIONS
            )
            contract = DemoContract(
                record=-1,
                employer=employer_for(rng, self.index, self.region),
                kind=kind,
                position=position,
                work_region=self.region,
                concluded_on=concluded,
                starts_on=starts,
                ends_on=ends,
                terminated_on=terminated,
                status="terminated" if terminated else "concluded",
            )
            conclusion = self._employer_record(contract, notice="conclusion", permit_number=permit_number)
            contract.record = conclusion
            if terminated is not None:
                contract.record = self._employer_record(contract, notice="termination", permit_number=permit_number)
            self.bundle.contracts.append(contract)
            if eaeu is not None:
                valid_to = ends or add_months(starts, 12) - dt.timedelta(days=1)
                if terminated is not None:
                    valid_to = max(terminated, starts)
                eaeu.append(
                    DemoPermit(
                        record=conclusion,
                        kind="eaeu_worker",
                        number="",
                        region=self.region,
                        profession=position,
                        issued_on=concluded,
                        valid_from=starts,
                        valid_to=valid_to,
                        status="terminated" if terminated else "valid",
                    )
                )
            if terminated is None or (exit_ is not None and terminated >= exit_ - dt.timedelta(days=14)):
                return
            concluded = terminated + dt.timedelta(days=draw_int(rng, 1, 20))

    def _contract_permits(
        self, entry: dt.date, exit_: dt.date | None, limit: dt.date, registrations: list[DemoRegistration]
    ) -> None:
        rng = self.rng
        if self.tax_id == "":
            self._fns_registration(min(entry + dt.timedelta(days=draw_int(rng, 10, 60)), AS_OF))
        permit_number = ""
        concluded = entry + dt.timedelta(days=draw_int(rng, 3, 30))
        if self.category == "visa_worker":
            issued = entry + dt.timedelta(days=draw_int(rng, 7, 30))
            if issued > limit:
                return
            permit_number = self._permit_number(issued, salt=5_151_515)
            permit = DemoPermit(
                record=-1,
                kind="work_permit",
                number=permit_number,
                region=self.region,
                profession=draw_choice(rng, places.SKILLED_POSITIONS),
                issued_on=issued,
                valid_from=issued,
                valid_to=add_months(issued, 12) - dt.timedelta(days=1),
                status="valid",
            )
            permit.record = self._patent_record(permit, kind_ru="РАЗРЕШЕНИЕ НА РАБОТУ")
            self.bundle.permits.append(permit)
            concluded = max(concluded, issued)
            self._contracts(concluded, exit_, limit, None, permit_number)
            return
        eaeu: list[DemoPermit] = []
        self._contracts(concluded, exit_, limit, eaeu, "")
        self.bundle.permits.extend(eaeu)
        if eaeu:
            extended = eaeu[0].valid_from + dt.timedelta(days=draw_int(rng, 1, 7))
            self._extend_registration(registrations, extended, eaeu[0].valid_to or AS_OF, limit)

    def _visa(self, entry: dt.date, record: int) -> None:
        rng = self.rng
        issued = entry - dt.timedelta(days=draw_int(rng, 10, 40))
        number = f"{scatter(self.index * 16 + len(self.bundle.permits), 10**9, 2_718_281):09d}"
        self.bundle.records[record].payload["visa_number"] = number
        self.bundle.permits.append(
            DemoPermit(
                record=record,
                kind="visa",
                number=number,
                region=None,
                profession="",
                issued_on=issued,
                valid_from=issued,
                valid_to=issued + dt.timedelta(days=364),
                status="valid",
            )
        )

    def _residence(self) -> DemoPermit:
        """An RVP (3 years) or a VNZh (indefinite since 01.11.2019; a few older 5-year ones) with its card."""
        rng = self.rng
        first_entry = self.trips[0][0]
        issued = day_between(rng, first_entry + dt.timedelta(days=200), AS_OF - dt.timedelta(days=20))
        if self.category == "rvp":
            number = f"{self.region}/{scatter(self.index, 10**7, 1_618_033):07d}"
            permit = DemoPermit(
                record=-1,
                kind="rvp",
                number=number,
                region=self.region,
                profession="",
                issued_on=issued,
                valid_from=issued,
                valid_to=add_years(issued, 3) - dt.timedelta(days=1),
                status="valid",
            )
            card = ""
        else:
            card_digits = f"{scatter(self.index, 10**7, 1_414_213):07d}"
            card = f"{draw_choice(rng, ('82', '83'))} №{card_digits}"
            valid_to = None
            if issued < dt.date(2019, 11, 1):
                valid_to = add_years(issued, 5) - dt.timedelta(days=1)
            permit = DemoPermit(
                record=-1,
                kind="vnzh",
                number=card,
                region=self.region,
                profession="",
                issued_on=issued,
                valid_from=issued,
                valid_to=valid_to,
                status="valid",
            )
        permit.record = self._residence_record(permit, card)
        self.bundle.permits.append(permit)
        if card:
            self.bundle.documents.append(
                DemoDocument(
                    "vnzh", "RUS", card, normalize_document_number(card), issued, permit.valid_to, record=permit.record
                )
            )
        return permit


def _months_left(period_from: dt.date, hard_end: dt.date) -> int:
    """Whole months from `period_from` that end on or before `hard_end` (at least 1, at most 12)."""
    months = min(12, (hard_end.year - period_from.year) * 12 + hard_end.month - period_from.month + 1)
    while months > 1 and add_months(period_from, months) - dt.timedelta(days=1) > hard_end:
        months -= 1
    return max(months, 1)
