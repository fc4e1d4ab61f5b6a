"""The calibration problem: free parameters, cases and the ordinal objective.

:class:`Problem` turns a matrix of candidate parameter vectors (one row per
candidate) into the objective -- the negative log-likelihood of every coded
observation plus the prior penalties -- simulating all cases of all candidates
in one vectorised call of the fast engine (``engine.integrate`` takes arrays
over members). Mechanism parameters are shared by the cases; case-specific
parameters are named ``<registry name>__<case id>``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import engine as fast_engine
from ..registry import PARAMETERS
from ..scenario import Scenario
from .config import CalibrationConfig, ConfigError, FreeParameter, Prior
from .evidence import Case, check_unique_ids
from .likelihood import level_log_probability
from .scales import SCALES, Scale

SPREAD = "ordinal_spread"
BAD_OBJECTIVE = 1e12
_MAX_MEMBERS = 4096


@dataclass(frozen=True)
class Free:
    """One entry of the free-parameter vector."""

    name: str            # lmfit name
    registry: str | None  # registry parameter it sets (None: likelihood parameter)
    lower: float
    upper: float
    start: float
    prior: Prior
    case: str | None = None  # case id for case-specific parameters
    role: str = "shared"     # shared | case | spread | cut


def case_parameter_name(name: str, case_id: str) -> str:
    return f"{name}__{case_id}"


class Simulator:
    """All cases on one time grid, simulated for many parameter vectors at once."""

    def __init__(self, cases: Sequence[Case], time_step: float, engine: str = "fast",
                 model=None):
        self.cases = list(cases)
        self.time_step = float(time_step)
        self.engine = "pysd" if model is not None else engine
        self.model = model
        self.final_time = max(c.horizon for c in self.cases)
        n = round(self.final_time / self.time_step)
        self.final_time = n * self.time_step
        if self.final_time < max(c.horizon for c in self.cases) - 1e-9:
            self.final_time += self.time_step
        self.scenarios: list[Scenario] = []
        for c in self.cases:
            d = c.scenario_dict(self.time_step)
            d["simulation"]["final_time"] = self.final_time
            d["simulation"]["save_interval"] = self.time_step
            self.scenarios.append(Scenario.from_dict(d, source=c.path))
        cm = fast_engine.compile_model()
        per_case_series = [sc.input_series() for sc in self.scenarios]
        self.series_names = sorted(set().union(*[s.keys() for s in per_case_series]))
        glen = len(self.scenarios[0].grid())
        self.series = {}
        for name in self.series_names:
            cols = []
            for sc, s in zip(self.scenarios, per_case_series):
                cols.append(s[name] if name in s else
                            np.full(glen, float(sc.values.get(name, 0.0))))
            self.series[name] = np.stack(cols, axis=1)  # (grid, cases)
        self.constants = {}
        for name in list(cm.parameters) + list(cm.inputs):
            if name in self.series:
                continue
            vals = np.array([float(sc.values.get(name, 0.0)) for sc in self.scenarios])
            self.constants[name] = vals if np.ptp(vals) > 0 else float(vals[0])

    def time_index(self, t: float) -> int:
        return int(round(t / self.time_step))

    def run(self, overrides: Mapping[str, np.ndarray], n_members: int,
            save_times: np.ndarray, columns: tuple[str, ...]) -> dict[str, np.ndarray]:
        """Simulate ``n_members`` parameter sets for every case.

        Parameters
        ----------
        overrides : mapping
            Registry name -> array of shape ``(n_members, n_cases)``.
        save_times, columns
            What to record.

        Returns
        -------
        dict
            Column -> array ``(len(save_times), n_members, n_cases)``.
        """
        bad = [k for k in overrides if k in self.series]
        if bad:
            raise ConfigError(f"{bad} vary over time in a case (an event or lever change "
                              "sets them); they cannot be calibrated")
        if self.engine == "pysd":
            return self._run_pysd(overrides, n_members, save_times, columns)
        out: dict[str, list[np.ndarray]] = {c: [] for c in columns}
        step = max(1, _MAX_MEMBERS // max(1, len(self.cases)))
        for lo in range(0, n_members, step):
            hi = min(n_members, lo + step)
            consts = dict(self.constants)
            for k, v in overrides.items():
                consts[k] = np.asarray(v, dtype=float)[lo:hi]
            shape = (hi - lo, len(self.cases))
            consts = {k: np.broadcast_to(v, shape) for k, v in consts.items()}
            series = {k: np.broadcast_to(v[:, None, :], (v.shape[0],) + shape)
                      for k, v in self.series.items()}
            res = fast_engine.integrate(consts, series, self.final_time,
                                        self.time_step, save_times, columns)
            for c in columns:
                out[c].append(np.asarray(res[c]).reshape((len(save_times),) + shape))
        return {c: np.concatenate(v, axis=1) for c, v in out.items()}

    def _run_pysd(self, overrides, n_members, save_times, columns):
        from ..simulation import simulate

        res = {c: np.empty((len(save_times), n_members, len(self.cases))) for c in columns}
        for m in range(n_members):
            for j, sc in enumerate(self.scenarios):
                vals = {k: float(np.asarray(v)[m, j]) for k, v in overrides.items()}
                df = simulate(sc.with_values(**vals) if vals else sc, engine="pysd",
                              columns=list(columns), model=self.model)
                idx = np.searchsorted(df.index.values, save_times - 1e-9)
                for c in columns:
                    res[c][:, m, j] = df[c].values[idx]
        return res


class Problem:
    """Free parameters, evidence and the objective of one calibration.

    Parameters
    ----------
    config : CalibrationConfig
    cases : sequence of Case
        The evidence (all share the config's time step).
    """

    def __init__(self, config: CalibrationConfig, cases: Sequence[Case]):
        if not cases:
            raise ConfigError(f"{config.source}: no case to calibrate on")
        check_unique_ids(cases)
        self.config = config
        self.cases = list(cases)
        self.case_index = {c.id: i for i, c in enumerate(self.cases)}
        self.free: list[Free] = []
        for p in config.shared:
            self.free.append(Free(p.name, p.name, p.lower, p.upper, p.start, p.prior))
        for p in config.case_specific:
            self._add_case_specific(p)
        self.scales_used: list[Scale] = sorted(
            {o.scale.name: o.scale for c in self.cases for o in c.observations}.values(),
            key=lambda s: s.name)
        if config.estimate_spread:
            lo, hi = config.spread_bounds
            self.free.append(Free(SPREAD, None, lo, hi, config.spread, Prior(), role="spread"))
        if config.cutpoints == "estimated":
            for s in self.scales_used:
                w = s.band_width
                self.free.append(Free(f"cut_{s.name}_1", None, s.cutpoints[0] - 2 * w,
                                      s.cutpoints[0] + 2 * w, s.cutpoints[0], Prior(),
                                      role="cut"))
                for k in range(1, len(s.cutpoints)):
                    gap = s.cutpoints[k] - s.cutpoints[k - 1]
                    self.free.append(Free(f"cut_{s.name}_gap{k + 1}", None, 0.05 * gap,
                                          4 * gap, gap, Prior(), role="cut"))
        self.names = [f.name for f in self.free]
        self.lower = np.array([f.lower for f in self.free])
        self.upper = np.array([f.upper for f in self.free])
        self.start = np.array([f.start for f in self.free])
        if config.model is not None:
            self._check_model_file(config)
        self.sim = Simulator(self.cases, config.time_step, config.engine, config.model)
        self._index_observations()

    def _check_model_file(self, config: CalibrationConfig) -> None:
        """Refuse a model file that lacks what the fit sets or the cases observe."""
        from ..variant import load_variant

        v = load_variant(config.model)
        lacking = sorted({f.registry for f in self.free if f.registry} - set(v.names))
        lacking += sorted({o.variable for c in self.cases for o in c.observations}
                          - set(v.names))
        if lacking:
            renames = dict(v.report.renamed)
            hint = "".join(f"; {n} looks renamed {renames[n]}" for n in lacking
                           if n in renames)
            raise ConfigError(f"{config.source}: model {config.model} lacks "
                              f"{', '.join(lacking)}, which the fit sets or the cases "
                              f"observe{hint}")

    # -------------------------------------------------------------- set-up
    def _add_case_specific(self, p: FreeParameter) -> None:
        ids = p.cases or tuple(c.id for c in self.cases)
        for cid in ids:
            if cid not in self.case_index:
                if p.cases:  # named explicitly but absent (e.g. held out): skip
                    continue
            case = self.cases[self.case_index[cid]]
            if p.name in case.coded_names and PARAMETERS[p.name].group == "context":
                raise ConfigError(
                    f"{self.config.source}: [case_parameters.{p.name}]: case {cid!r} codes "
                    f"{p.name} in {case.path}; free it only for cases that do not code it "
                    "(list them in cases = [...])")
            self.free.append(Free(case_parameter_name(p.name, cid), p.name, p.lower,
                                  p.upper, p.start, p.prior, case=cid, role="case"))

    def _index_observations(self) -> None:
        obs = [(ci, o) for ci, c in enumerate(self.cases) for o in c.observations]
        self.observations = obs
        steps = sorted({self.sim.time_index(o.time) for _, o in obs} | {0})
        self.save_times = np.array(steps) * self.sim.time_step
        pos = {k: i for i, k in enumerate(steps)}
        self.columns = tuple(dict.fromkeys(o.variable for _, o in obs))
        col = {c: i for i, c in enumerate(self.columns)}
        self.obs_case = np.array([ci for ci, _ in obs])
        self.obs_time = np.array([pos[self.sim.time_index(o.time)] for _, o in obs])
        self.obs_col = np.array([col[o.variable] for _, o in obs])
        self.obs_level = np.array([o.level for _, o in obs])
        self.obs_conf = np.array([o.confidence for _, o in obs])
        # 1, or 1 / coders of the unit when each coder's code enters the fit
        self.obs_weight = np.array([o.weight for _, o in obs])
        self.obs_scale = np.array([o.scale.name for _, o in obs])
        self.obs_width = np.array([o.scale.band_width for _, o in obs])
        self.n_obs = len(obs)

    # ------------------------------------------------------------ mapping
    def as_matrix(self, theta: np.ndarray | Mapping[str, float] | Sequence[float]
                  ) -> np.ndarray:
        """Rows of free-parameter vectors (a mapping fills missing names with starts)."""
        if isinstance(theta, Mapping):
            row = np.array([float(theta.get(n, s)) for n, s in zip(self.names, self.start)])
            return row[None, :]
        arr = np.asarray(theta, dtype=float)
        return arr[None, :] if arr.ndim == 1 else arr

    def overrides(self, theta: np.ndarray) -> dict[str, np.ndarray]:
        """Registry values per member and case, ``(n_members, n_cases)``."""
        P, C = theta.shape[0], len(self.cases)
        out: dict[str, np.ndarray] = {}
        for j, f in enumerate(self.free):
            if f.registry is None:
                continue
            if f.case is None:
                out[f.registry] = np.repeat(theta[:, j:j + 1], C, axis=1)
        for j, f in enumerate(self.free):
            if f.case is not None:
                if f.registry not in out:
                    base = np.array([float(sc.values[f.registry])
                                     for sc in self.sim.scenarios])
                    out[f.registry] = np.tile(base, (P, 1))
                out[f.registry][:, self.case_index[f.case]] = theta[:, j]
        return out

    def _likelihood_settings(self, theta: np.ndarray):
        cfg = self.config
        idx = {n: j for j, n in enumerate(self.names)}
        spread = theta[:, idx[SPREAD]] if SPREAD in idx else \
            np.full(theta.shape[0], cfg.spread)
        cuts: dict[str, np.ndarray] = {}
        for s in self.scales_used:
            if cfg.cutpoints == "estimated":
                first = theta[:, idx[f"cut_{s.name}_1"]]
                gaps = [theta[:, idx[f"cut_{s.name}_gap{k + 1}"]]
                        for k in range(1, len(s.cutpoints))]
                cuts[s.name] = np.cumsum(np.stack([first, *gaps], axis=1), axis=1)
            else:
                cuts[s.name] = np.tile(np.array(s.cutpoints), (theta.shape[0], 1))
        return spread, cuts

    def cutpoints(self, theta: np.ndarray | Mapping[str, float]) -> dict[str, tuple]:
        """Cut-points of every scale in use at one parameter vector."""
        _, cuts = self._likelihood_settings(self.as_matrix(theta))
        return {k: tuple(v[0].tolist()) for k, v in cuts.items()}

    def spread(self, theta: np.ndarray | Mapping[str, float]) -> float:
        spread, _ = self._likelihood_settings(self.as_matrix(theta))
        return float(spread[0])

    # ---------------------------------------------------------- objective
    def latent(self, theta: np.ndarray) -> np.ndarray:
        """Simulated value behind every observation, ``(n_members, n_obs)``."""
        theta = self.as_matrix(theta)
        res = self.sim.run(self.overrides(theta), theta.shape[0], self.save_times,
                           self.columns)
        stacked = np.stack([res[c] for c in self.columns])  # (col, save, P, C)
        return stacked[self.obs_col, self.obs_time, :, self.obs_case].T

    def loglik_terms(self, theta: np.ndarray | Mapping[str, float],
                     weighted: bool = True) -> np.ndarray:
        """Log-likelihood of each observation, ``(n_members, n_obs)``.

        With ``confidence = "weight"`` each term is multiplied by the coder's
        confidence (if ``weighted``); with ``"scale"`` the spread of a code is
        divided by it instead. ``weighted`` also applies each code's weight (below
        1 when several coders' codes of one unit all enter the fit).
        """
        theta = self.as_matrix(theta)
        x = self.latent(theta)
        spread, cuts = self._likelihood_settings(theta)
        s = spread[:, None] * self.obs_width[None, :]
        if self.config.confidence == "scale":
            s = s / self.obs_conf[None, :]
        ll = np.empty_like(x)
        for scale in self.scales_used:
            m = self.obs_scale == scale.name
            if self.config.cutpoints == "fixed":
                ll[:, m] = level_log_probability(x[:, m], self.obs_level[m], scale.cutpoints,
                                                 s[:, m], self.config.link)
                continue
            for p in range(theta.shape[0]):
                ll[p, m] = level_log_probability(x[p, m], self.obs_level[m],
                                                 cuts[scale.name][p], s[p, m],
                                                 self.config.link)
        if self.config.confidence == "weight" and weighted:
            ll = ll * self.obs_conf[None, :]
        if weighted:
            ll = ll * self.obs_weight[None, :]
        bad = ~np.isfinite(x).all(axis=1)
        ll[bad] = -BAD_OBJECTIVE / max(1, self.n_obs)
        return ll

    def penalty(self, theta: np.ndarray) -> np.ndarray:
        """Sum of prior penalties (``-log prior``), per row."""
        theta = self.as_matrix(theta)
        pen = np.zeros(theta.shape[0])
        for j, f in enumerate(self.free):
            if f.prior.dist != "uniform":
                pen += f.prior.penalty(theta[:, j])
        return pen

    def objective(self, theta: np.ndarray | Mapping[str, float]) -> np.ndarray:
        """Negative log-posterior (up to a constant) per row: ``-sum loglik + penalty``."""
        theta = self.as_matrix(theta)
        outside = ((theta < self.lower - 1e-12) | (theta > self.upper + 1e-12)).any(axis=1)
        val = -self.loglik_terms(theta).sum(axis=1) + self.penalty(theta)
        val[outside | ~np.isfinite(val)] = BAD_OBJECTIVE
        return val

    def gradient(self, x: np.ndarray, rel_step: float = 1e-4) -> np.ndarray:
        """Central-difference gradient of :meth:`objective` (one vectorised call)."""
        n = len(x)
        h = rel_step * (self.upper - self.lower)
        rows = []
        for j in range(n):
            for sgn in (1, -1):
                y = x.copy()
                y[j] = np.clip(x[j] + sgn * h[j], self.lower[j], self.upper[j])
                rows.append(y)
        f = self.objective(np.array(rows))
        g = np.empty(n)
        for j in range(n):
            dx = rows[2 * j][j] - rows[2 * j + 1][j]
            g[j] = (f[2 * j] - f[2 * j + 1]) / dx if dx > 0 else 0.0
        return g

    # ------------------------------------------------------------- lmfit
    def lmfit_parameters(self, values: np.ndarray | None = None, fixed: Sequence[str] = ()):
        """lmfit ``Parameters`` projected from the registry (names, bounds, values)."""
        import lmfit

        vals = self.start if values is None else np.asarray(values, dtype=float)
        params = lmfit.Parameters()
        for f, v in zip(self.free, vals):
            params.add(f.name, value=float(np.clip(v, f.lower, f.upper)), min=f.lower,
                       max=f.upper, vary=f.name not in fixed)
        return params

    def vector(self, params) -> np.ndarray:
        """Free-parameter vector from lmfit ``Parameters``."""
        return np.array([float(params[n].value) for n in self.names])

    # -------------------------------------------------------- predictions
    def trajectories(self, x: np.ndarray | Mapping[str, float],
                     columns: Sequence[str] | None = None, interval: float = 0.5
                     ) -> dict[str, pd.DataFrame]:
        """Simulated trajectories of each case (time-indexed DataFrame per case id)."""
        theta = self.as_matrix(x)[:1]
        cols = tuple(columns or self.columns)
        step = max(1, round(interval / self.sim.time_step))
        n = round(self.sim.final_time / self.sim.time_step)
        times = np.arange(0, n + 1, step) * self.sim.time_step
        res = self.sim.run(self.overrides(theta), 1, times, cols)
        out = {}
        for ci, case in enumerate(self.cases):
            df = pd.DataFrame({c: res[c][:, 0, ci] for c in cols},
                              index=pd.Index(times, name="time"))
            out[case.id] = df[df.index <= case.horizon + 1e-9]
        return out

    def describe_free(self) -> list[dict]:
        """Rows describing each free parameter (for reports)."""
        rows = []
        for f in self.free:
            p = PARAMETERS.get(f.registry) if f.registry else None
            rows.append({"name": f.name, "registry": f.registry, "case": f.case,
                         "role": f.role, "lower": f.lower, "upper": f.upper,
                         "start": f.start, "prior": f.prior.describe(),
                         "units": p.units if p else "Dmnl",
                         "description": p.description if p else
                         ("spread of the ordinal link, in band widths" if f.role == "spread"
                          else "cut-point of the ordinal link")})
        return rows


def shared_names(problem: Problem) -> list[str]:
    return [f.name for f in problem.free if f.role == "shared"]


def finite_or_nan(x: float) -> float:
    return float(x) if math.isfinite(x) else float("nan")


__all__ = ["Problem", "Simulator", "Free", "SPREAD", "case_parameter_name", "shared_names",
           "SCALES"]
