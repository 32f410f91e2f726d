-- C6 Cuidado da pessoa idosa: one row per person of 60 or more and competência; the rule is the
-- doc block qualidade_c6 (_qualidade__docs.md).
{{ config(meta={'indicador': 'C6'}) }}

with

populacao as (

    select * from {{ ref('int_pessoas_competencias') }}
    where {{ escopo_municipio() }} and is_vinculado and nu_idade >= 60

),

{{ cuidado_continuado([
    {'nome': 'consulta', 'evento': 'consulta', 'meses': 12, 'pontos': 25,
     'pendencia': 'A: nenhuma consulta de médico ou enfermeiro nos últimos 12 meses'},
    {'nome': 'antropometria', 'evento': 'antropometria', 'meses': 12, 'pontos': 25,
     'pendencia': 'B: peso e altura não registrados no mesmo dia nos últimos 12 meses'},
    {'nome': 'visitas', 'evento': 'visita', 'meses': 12, 'pontos': 25, 'visitas_30_dias': true,
     'credito_eap': true,
     'pendencia': 'C: menos de 2 visitas do ACS/TACS com 30 dias de intervalo em 12 meses'},
    {'nome': 'vacina_influenza', 'evento': 'vacina_influenza', 'meses': 12, 'pontos': 25,
     'pendencia': 'D: sem dose de vacina contra influenza nos últimos 12 meses'},
]) }}

select * from final
