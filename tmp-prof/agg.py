import json,sys,collections
p=json.load(open(sys.argv[1]))
nodes={n['id']:n for n in p['nodes']}
dt=collections.Counter()
samples=p['samples']; deltas=p['timeDeltas']
for s,d in zip(samples,deltas): dt[s]+=d
byurl=collections.Counter(); byfn=collections.Counter()
for nid,t in dt.items():
    cf=nodes[nid]['callFrame']; u=cf['url'].split('node_modules/')[-1] if 'node_modules' in cf['url'] else cf['url']
    pkg=u.split('/')[0] if 'node_modules' in cf['url'] else u
    byurl[pkg]+=t; byfn[(cf['functionName'],u,cf['lineNumber'])]+=t
tot=sum(dt.values())
print("total ms",tot/1000)
for k,v in byurl.most_common(15): print(round(v/1000),k)
print()
for k,v in byfn.most_common(15): print(round(v/1000),k)
