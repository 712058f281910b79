"The human-review queue without a browser: routing, one decision per case, labels fed back, agreement, a torn log, and the widget's buttons."
import json
import pandas as pd
import pytest
from mlsys.responsible.oversight import DecisionLog, ReviewQueue, review_widget, ai_act_tier


@pytest.fixture
def queue(tmp_path): return ReviewQueue(DecisionLog(tmp_path/'log.jsonl'), low=0.4, high=0.6, stakes_limit=100)


CASES = pd.DataFrame({'case_id': [1, 2, 3, 4, 5], 'score': [0.95, 0.45, 0.05, 0.55, 0.8], 'stakes': [0, 0, 250, 0, 101]})


def test_routing_by_confidence_and_stakes(queue):
    assert queue.enqueue(CASES) == [2, 3, 4, 5]
    reasons = {e['case_id']: e['why'] for e in queue.log.read()}
    assert reasons == {2: 'low confidence', 3: 'high stakes', 4: 'low confidence', 5: 'high stakes'}
    with pytest.raises(ValueError, match="score must be a probability, got 1.5 for case 'x'"):
        queue.route('x', 1.5)


def test_decisions_become_labels_and_agreement(queue):
    queue.enqueue(CASES)
    queue.decide(2, 0, 'ana', 'one-off visitor')   # model said 0 (0.45): agree
    queue.decide(3, 1, 'ben', 'key account')       # model said 0 (0.05): overruled
    queue.decide(5, 1, 'ana', 'agree')             # model said 1 (0.8): agree
    assert queue.pending() == [4]
    assert queue.labels()[['case_id', 'label']].values.tolist() == [[2, 0], [3, 1], [5, 1]]
    assert queue.agreement() == {'decided': 3, 'agreement': pytest.approx(2 / 3), 'overruled': [3]}
    with pytest.raises(ValueError, match='already decided'): queue.decide(2, 1, 'ben', 'again')
    with pytest.raises(ValueError, match='label must be 0 or 1'): queue.decide(4, 2, 'ben', 'x')
    # a new queue object over the same log sees the same state: nothing lives only in memory
    again = ReviewQueue(DecisionLog(queue.log.path))
    assert again.pending() == [4] and again.agreement()['decided'] == 3


def test_a_torn_log_line_is_reported(queue):
    queue.enqueue(CASES)
    with open(queue.log.path, 'a') as f: f.write('{"who": "ana", "what": "deci')
    with pytest.raises(ValueError, match=r'line 5 is not valid JSON \(a torn write\?\)'):
        queue.pending()


def test_widget_buttons_decide_through_the_queue(queue):
    queue.enqueue(CASES)
    tool = review_widget(queue, CASES, reviewer='ana')
    info, why, buttons = tool.children
    assert 'Case 2' in info.value and '4 waiting' in info.value
    buttons.children[0].click()  # no reason given: nothing is decided
    assert queue.pending() == [2, 3, 4, 5]
    why.value = 'regular until last month'
    buttons.children[0].click()
    assert queue.pending() == [3, 4, 5] and 'Case 3' in info.value
    assert json.loads(queue.log.path.read_text().splitlines()[-1])['why'] == 'regular until last month'


def test_risk_tier_gives_reasons():
    credit = ai_act_tier(area='essential_services')
    assert credit['tier'] == 'high' and 'credit scoring' in credit['reasons'][0]
    assert ai_act_tier()['tier'] == 'minimal'
