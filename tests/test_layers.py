"""The layers point one way: views → web → services → models and connectors, nothing upward.

Read from the source (ast), so an import hidden inside a function counts too.
"""

import ast
import re
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app"
BLUEPRINTS = ("auth", "cards", "checkout", "esims", "find", "orders", "plans", "shop", "support", "telegram")
CONNECTORS = ("app.operators", "app.payments", "app.messengers")
REQUEST_BOUND = {"request", "session", "g", "current_user"}
PURE = ("app.services", "app.text", "app.labels")


def module_name(path):
    parts = list(path.relative_to(APP.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path):
    """(module imported, names taken from it) for every import in a file."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = {alias.name for alias in node.names}
            yield node.module, names
            for name in names:
                yield f"{node.module}.{name}", set()
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, set()


def within(module, *packages):
    return any(module == p or module.startswith(p + ".") for p in packages)


def blueprint_of(module):
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in BLUEPRINTS else None


def arrows():
    for path in sorted(APP.rglob("*.py")):
        source = module_name(path)
        for target, names in imports(path):
            yield source, target, names


def forbidden(source, target, names):
    """Why `source` may not import `target` (with `names`), or None when it may."""
    target_blueprint = blueprint_of(target)
    if within(source, *PURE, *CONNECTORS, "app.models"):
        if target_blueprint or within(target, "app.web"):
            return "the rules and connectors never reach up to views or the web layer"
        if target in ("flask", "flask_login") and names & REQUEST_BOUND:
            return "the rules take plain arguments, never the request"
    if within(source, *CONNECTORS, "app.models") and within(target, "app.services"):
        return "connectors and models do not call the rules"
    if within(source, "app.models") and within(target, *CONNECTORS):
        return "models know no connector"
    if within(source, "app.text", "app.labels") and within(target, "app.services"):
        return "formatting is below the rules"
    if within(source, "app.web") and target_blueprint:
        return "the web layer serves every blueprint and imports none"
    source_blueprint = blueprint_of(source)
    if source_blueprint and target_blueprint and target_blueprint != source_blueprint:
        return "a blueprint does not import another: shared code lives in app/web or app/services"
    if (source_blueprint or within(source, "app.web")) and within(target, *CONNECTORS):
        return "views reach providers and the operator through a service"
    if (source_blueprint or within(source, "app.web")) and within(target, "app.models"):
        return "views read and change data through a service"
    return None


def test_no_import_points_the_wrong_way():
    wrong = [
        f"{source} imports {target}: {why}"
        for source, target, names in arrows()
        if (why := forbidden(source, target, names))
    ]
    assert wrong == []


def test_the_check_catches_each_kind_of_wrong_arrow():
    # The rule itself, on arrows this codebase must never have.
    assert forbidden("app.services.usage", "flask", {"request"})
    assert forbidden("app.services.usage", "app.web.locale", set())
    assert forbidden("app.services.usage", "app.esims.views", set())
    assert forbidden("app.operators.simulated", "app.services.allowance", set())
    assert forbidden("app.payments.local_checkout", "app.checkout.views", set())
    assert forbidden("app.models.orders", "app.payments", set())
    assert forbidden("app.plans.views", "app.checkout.views", set())
    assert forbidden("app.shop.views", "app.operators", set())
    assert forbidden("app.web.quotes", "app.plans.forms", set())
    assert forbidden("app.text", "app.services.usage", set())
    assert forbidden("app.support.views", "app.models", {"Esim"})
    assert forbidden("app.web.owned", "app.models.orders", set())
    assert not forbidden("app.plans.views", "app.plans.forms", set())
    assert not forbidden("app.plans.views", "app.services.renewal", set())
    assert not forbidden("app.services.renewal", "app.operators", set())
    assert not forbidden("app.services.mail", "flask", {"current_app", "render_template"})


def import_graph():
    """Which app modules each app module imports; `from a import b` is an arrow to a.b when that
    is a module. A blueprint's `__init__` importing its own view modules, to register their
    routes, is left out: that is the one cycle Flask's blueprints are built on."""
    modules = {module_name(path): path for path in APP.rglob("*.py")}
    graph = {}
    for source, path in modules.items():
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    name = f"{node.module}.{alias.name}"
                    targets.add(name if name in modules else node.module)
            elif isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
        if blueprint_of(source) and source.count(".") == 1:
            targets = {target for target in targets if not target.startswith(source + ".")}
        graph[source] = sorted(target for target in targets if target in modules and target != source)
    return graph


def cycles(graph):
    """Each group of modules that import one another, in a circle however long (Tarjan's algorithm)."""
    order, low, stack, found = {}, {}, [], []

    def visit(module):
        order[module] = low[module] = len(order)
        stack.append(module)
        for target in graph.get(module, ()):
            if target not in order:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in stack:
                low[module] = min(low[module], order[target])
        if low[module] == order[module]:
            group = []
            while not group or group[-1] != module:
                group.append(stack.pop())
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph):
        if module not in order:
            visit(module)
    return found


def test_no_modules_import_one_another_in_a_circle():
    # Imports inside functions count too: a circle of them is a circle all the same.
    assert cycles(import_graph()) == []


def test_the_worker_imports_every_module_that_declares_a_task():
    # The consumer runs only the tasks it knows: the worker command imports app.tasks, which
    # imports each module that declares one (a job for an unknown task is dropped).
    declaring = {
        module_name(path)
        for path in APP.rglob("*.py")
        if re.search(r"^@(task|periodic_task)\(", path.read_text(encoding="utf-8"), re.MULTILINE)
    }
    graph = import_graph()
    assert "app.services.fulfilment" in declaring
    assert declaring - set(graph["app.tasks"]) == {"app.tasks"}
    assert "app.tasks" in graph["app.cli"]


def test_the_circle_check_finds_long_and_short_circles():
    assert cycles({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}) == [["a", "b", "c"]]
    assert cycles({"a": ["b"], "b": ["a"]}) == [["a", "b"]]
    assert cycles({"a": ["b"], "b": ["c"], "c": []}) == []
    graph = import_graph()
    assert "app.services.fulfilment" in graph["app.tasks"]  # from app.services import fulfilment
    assert "app.support.views" not in graph["app.support"]  # the blueprint's own routes
    assert "app.support" in graph["app.support.views"]


def test_no_module_is_long():
    long = {
        module_name(path): lines
        for path in APP.rglob("*.py")
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > 300
    }
    assert long == {}


ORDER_STATE_HOME = APP / "services" / "orders.py"


def status_writes(tree):
    """Lines where an order's status is written: `Order.update/create/insert(status=…)`,
    `<order>.status = …`, or an SQL UPDATE of the orders table."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            if (
                isinstance(owner, ast.Name)
                and owner.id == "Order"
                and node.func.attr in ("update", "create", "insert", "insert_many", "replace")
                and any(keyword.arg == "status" for keyword in node.keywords)
            ):
                yield node.lineno
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            if (
                isinstance(target, ast.Attribute)
                and target.attr == "status"
                and "order" in ast.unparse(target.value).lower()
            ):
                yield node.lineno
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if re.search(r"update\s+\"?orders\"?\s", node.value, re.IGNORECASE):
                yield node.lineno


def test_only_the_orders_service_writes_an_orders_status():
    elsewhere = [
        f"{module_name(path)}:{line}"
        for path in sorted(APP.rglob("*.py"))
        if path != ORDER_STATE_HOME
        for line in status_writes(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert elsewhere == []


def test_the_status_check_catches_each_kind_of_write():
    def caught(source):
        return list(status_writes(ast.parse(source)))

    assert caught("Order.update(status=OrderStatus.EXPIRED).where(Order.id == 1).execute()")
    assert caught("Order.create(number='R1', status='paid')")
    assert caught("order.status = OrderStatus.PAID")
    assert caught("self.order.status = 'paid'")
    assert caught("db.execute_sql('UPDATE orders SET status = %s', ['expired'])")
    assert not caught("Order.update(payment_note='processing').where(Order.id == 1).execute()")
    assert not caught("Refund.update(status='succeeded').execute()")
    assert not caught("row.status = 'expired'")
    assert not caught("order.status == OrderStatus.PAID")
